"""inspections/views/visits.py: recording a visit, planning rounds, a visit's page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from campaign.models import Photo
from inspections.models import Inspection, Rectification
from tests import factories
from tests.factories import login
from tests.inspections.views.conftest import media_files

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai


def test_inspector_records_a_visit_with_a_finding(client, tree, people, criterion):
    point = factories.PointFactory(unit=tree["street_a"])
    client = login(client, people["inspector"])
    url = reverse("inspections:visit-create", args=[point.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'capture="environment"' in page.content.decode()
    with time_machine.travel(dt.datetime(2019, 5, 2, 3, tzinfo=dt.UTC), tick=False):
        response = client.post(url, {
            "mode": "covert", "visited_at": "2019-05-01T10:00", "note": "",
            "finding-TOTAL_FORMS": 3, "finding-INITIAL_FORMS": 0,
            "finding-0-criterion": criterion.pk, "finding-0-note": "垃圾",
            "finding-0-photos": [factories.make_jpeg()],
        })
    assert response.status_code == 302
    visit = Inspection.objects.get()
    item = Rectification.objects.get()
    assert (visit.points_deducted, item.unit, item.finding.inspection) == (2, tree["street_a"], visit)
    assert item.finding.photos.count() == 1


def test_visit_form_refuses_staff_and_hides_other_streets(client, tree, people):
    point = factories.PointFactory(unit=tree["street_a"])
    url = reverse("inspections:visit-create", args=[point.pk])
    assert login(client, people["staff"]).get(url).status_code == 403
    assert login(client, people["other_staff"]).get(url).status_code == 404


def _visit_with_a_bad_photo(client, tree, people, criterion, field: str):
    """A visit whose one photo (sent by `field`) is no image: the service refuses it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    point = factories.PointFactory(unit=tree["street_a"])
    return login(client, people["inspector"]).post(
        reverse("inspections:visit-create", args=[point.pk]), {
            "mode": "open", "visited_at": "2019-05-01T10:00", "note": "东门口",
            "finding-TOTAL_FORMS": 1, "finding-INITIAL_FORMS": 0,
            "finding-0-criterion": criterion.pk, "finding-0-note": "乱堆放",
            field: [SimpleUploadedFile("x.jpg", b"text")],
        })


def test_visit_with_a_bad_photo_keeps_the_typed_text(client, tree, people, criterion, settings):
    response = _visit_with_a_bad_photo(client, tree, people, criterion, "finding-0-photos")
    assert response.status_code == 200
    body = response.content.decode()
    assert "东门口" in body and "乱堆放" in body and "x.jpg" in body
    assert Inspection.objects.count() == 0 and Photo.objects.count() == 0
    assert media_files(settings) == []


def test_round_planning(client, tree, people):
    for _ in range(4):
        factories.PointFactory(unit=tree["street_a"])
    client = login(client, people["inspector"])
    response = client.post(reverse("inspections:round-create"), {
        "unit": tree["district_a"].pk, "name": "五月中旬", "starts_on": "2019-05-11",
        "ends_on": "2019-05-20", "sample_size": 2, "seed": 99})
    assert response.status_code == 302
    assert login(client, people["staff"]).get(reverse("inspections:round-create")).status_code == 403


def test_a_visit_round_must_hold_the_point_and_be_running(client, tree, people):
    from inspections.models import InspectionRound

    point = factories.PointFactory(unit=tree["street_a"])
    other = factories.PointFactory(unit=tree["street_a"])
    client = login(client, people["inspector"])
    url = reverse("inspections:visit-create", args=[point.pk])

    def make(points, ends_on, campaign=None):
        round_ = InspectionRound.objects.create(
            campaign=campaign or tree["city"].campaign, unit=tree["city"], name="轮次",
            starts_on=dt.date(2026, 2, 20), ends_on=ends_on, seed=1, sample_size=1,
            created_by=people["inspector"])
        round_.points.set(points)
        return round_

    running = make([point], dt.date(2026, 3, 10))
    without = make([other], dt.date(2026, 3, 10))
    ended = make([point], dt.date(2026, 2, 28))
    with time_machine.travel(NOW, tick=False):
        assert client.get(url + f"?round={running.pk}").status_code == 200
        assert client.get(url + f"?round={without.pk}").status_code == 404
        assert client.get(url + f"?round={ended.pk}").status_code == 404
        response = client.post(url + f"?round={ended.pk}", {
            "mode": "open", "visited_at": "2026-03-01T09:00", "finding-TOTAL_FORMS": 0,
            "finding-INITIAL_FORMS": 0})
        assert response.status_code == 404


def test_visit_without_findings_keeps_its_photos(client, tree, people):
    from inspections import services

    point = factories.PointFactory(unit=tree["street_a"])
    with time_machine.travel(NOW, tick=False):
        visit = services.record_visit(point=point, by=people["inspector"], mode="open",
                                      visited_at=NOW, uploads=[factories.make_jpeg()])
    photo = visit.photos.get()
    body = login(client, people["inspector"]).get(
        reverse("inspections:inspection-detail", args=[visit.pk])).content.decode()
    assert 'id="visit-photos"' in body and reverse("inspections:photo", args=[photo.pk]) in body


def test_visit_form_starts_with_one_finding_grouped_by_category(client, tree, people):
    standard = factories.StandardFactory(campaign=tree["city"].campaign)
    streets = factories.CategoryFactory(standard=standard, name="街巷环境", order=1)
    shops = factories.CategoryFactory(standard=standard, name="门店秩序", order=2)
    factories.CriterionFactory(category=streets, name="路面整洁", points=2)
    factories.CriterionFactory(category=shops, name="不出店经营", points=1)
    factories.CriterionFactory(category=shops, name="只限农贸市场", point_kinds=["market"])
    point = factories.PointFactory(unit=tree["street_a"], kind="street")
    body = login(client, people["inspector"]).get(
        reverse("inspections:visit-create", args=[point.pk])).content.decode()
    assert body.count('class="card mb-3 finding" id="finding-') == 1
    assert 'name="finding-TOTAL_FORMS" value="1"' in body
    first = body[body.index('name="finding-0-criterion"'):]
    first = first[:first.index("</select>")]
    assert '<optgroup label="街巷环境">' in first and '<optgroup label="门店秩序">' in first
    assert "路面整洁 (−2)" in first and "不出店经营 (−1)" in first and "只限农贸市场" not in first


@pytest.mark.parametrize("field", ["photos", "finding-0-photos"])
def test_a_refused_photo_is_an_error_of_the_input_that_sent_it(client, tree, people, criterion, field):
    """The error summary links to the file input whose photo was refused, and the error is
    read with that input (issue 15 review); the visit is not saved."""
    from tests.html_checks import problems, read

    response = _visit_with_a_bad_photo(client, tree, people, criterion, field)
    assert response.status_code == 200
    body = response.content.decode()
    target = f"id_{field}"
    assert [links for links in read(body).summaries if links] == [[target]]
    assert f'aria-describedby="{target}_error"' in body
    assert problems(body) == []
    assert Inspection.objects.count() == 0
