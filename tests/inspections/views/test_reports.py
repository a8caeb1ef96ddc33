import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.models import Photo
from inspections.enums import CitizenReportStatus
from inspections.models import CitizenReport, Rectification
from tests import factories

pytestmark = pytest.mark.django_db


def test_citizen_reports_and_follows_by_code(client, tree):
    url = reverse("inspections:report-create") + f"?campaign={tree['city'].campaign.key}"
    response = client.post(url, {"description": "路灯不亮", "location": "东巷口",
                                 "photos": [factories.make_jpeg()]})
    assert response.status_code == 200
    report = CitizenReport.objects.get()
    assert report.tracking_code in response.content.decode()
    assert Photo.objects.get().unit == tree["city"]
    track = client.get(reverse("inspections:report-track") + f"?code={report.tracking_code.lower()}")
    assert track.status_code == 200 and 'id="report-status"' in track.content.decode()
    assert client.get(reverse("inspections:report-track") + "?code=NOPE").status_code == 200


def test_a_report_without_a_photo_keeps_the_text(client, tree):
    response = client.post(reverse("inspections:report-create"), {"description": "井盖丢了",
                                                                   "location": "西街"})
    assert response.status_code == 200
    assert "井盖丢了" in response.content.decode() and CitizenReport.objects.count() == 0


def test_coordinator_triages_a_report_into_an_item(client, tree, people):
    client.post(reverse("inspections:report-create"), {
        "description": "垃圾满溢", "location": "南街", "photos": [factories.make_jpeg()]})
    report = CitizenReport.objects.get()
    client.force_login(people["coordinator"])
    assert client.get(reverse("inspections:report-list")).status_code == 200
    response = client.post(reverse("inspections:report-detail", args=[report.pk]), {
        "accept": "1", "unit": tree["street_a"].pk, "title": "垃圾满溢",
        "deadline": (timezone.localtime() + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    item = Rectification.objects.get()
    assert (item.citizen_report, item.source, item.unit) == (report, "citizen_report", tree["street_a"])
    report.refresh_from_db()
    assert report.status == CitizenReportStatus.ACCEPTED
    assert list(item.events.get().photos.all()) == list(report.photos.all())


def test_reject_needs_a_reason_and_triage_needs_the_role(client, tree, people):
    report = CitizenReport.objects.create(campaign=tree["city"].campaign, tracking_code="ABC",
                                          description="x", location="y")
    client.force_login(people["staff"])
    assert client.get(reverse("inspections:report-list")).status_code == 403
    assert client.get(reverse("inspections:report-detail", args=[report.pk])).status_code == 404
    client.force_login(people["coordinator"])
    url = reverse("inspections:report-detail", args=[report.pk])
    assert client.post(url, {"reject": "1", "reason": ""}).status_code == 200
    assert client.post(url, {"reject": "1", "reason": "重复上报"}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.reason) == (CitizenReportStatus.REJECTED, "重复上报")
