"""Where a visit and a report were made: the location fields of the visit and report forms,
the distance from the point on the item page, and a point's page."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse

from inspections.models import CitizenReport, Inspection, Rectification
from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db

VISITED = dt.datetime(2019, 5, 2, 3, tzinfo=dt.UTC)


@pytest.fixture
def point(tree):
    return factories.PointFactory(unit=tree["street_a"], latitude=D("37.860000"),
                                  longitude=D("112.550000"))


def visit(client, user, point, criterion, **location):
    with time_machine.travel(VISITED, tick=False):
        return login(client, user).post(
            reverse("inspections:visit-create", args=[point.pk]), {
                "mode": "covert", "visited_at": "2019-05-01T10:00", "note": "",
                "finding-TOTAL_FORMS": 1, "finding-INITIAL_FORMS": 0,
                "finding-0-criterion": criterion.pk, "finding-0-note": "垃圾", **location,
            })


def test_the_visit_form_offers_the_location_button(client, people, point):
    body = login(client, people["inspector"]).get(
        reverse("inspections:visit-create", args=[point.pk])).content.decode()
    assert 'id="id_latitude"' in body and 'id="id_longitude"' in body
    assert 'data-latitude="id_latitude" data-longitude="id_longitude"' in body
    assert "使用我的位置" in body and "/static/inspections/geolocate.js" in body
    assert "未获准使用定位" in body


def test_a_visit_keeps_its_location(client, people, point, criterion):
    response = visit(client, people["inspector"], point, criterion,
                     latitude="37.8600", longitude="112.5504")
    assert response.status_code == 302
    assert Inspection.objects.values_list("latitude", "longitude").get() == (
        D("37.860000"), D("112.550400"))


def test_a_visit_without_a_location_is_fine(client, people, point, criterion):
    assert visit(client, people["inspector"], point, criterion).status_code == 302
    assert Inspection.objects.values_list("latitude", "longitude").get() == (None, None)


@pytest.mark.parametrize(("location", "message"), [
    ({"latitude": "90.5", "longitude": "112"}, "确保该值小于或等于90。"),
    ({"latitude": "-90.000001", "longitude": "112"}, "确保该值大于或等于-90。"),
    ({"latitude": "37", "longitude": "180.1"}, "确保该值小于或等于180。"),
    ({"latitude": "37", "longitude": "-181"}, "确保该值大于或等于-180。"),
    ({"latitude": "37", "longitude": "东经112"}, "输入一个数字。"),
    ({"latitude": "37.86"}, "纬度和经度须同时填写或同时留空。"),
    ({"longitude": "112.55"}, "纬度和经度须同时填写或同时留空。"),
])
def test_a_location_out_of_range_or_half_given_is_refused(client, people, point, criterion,
                                                          location, message):
    response = visit(client, people["inspector"], point, criterion, **location)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Inspection.objects.count(), Rectification.objects.count()) == (0, 0)


def report(client, tree, **fields):
    return client.post(
        reverse("inspections:report-create") + f"?campaign={tree['city'].campaign.key}",
        {"description": "路灯不亮", "location": "东巷口", "photos": [factories.make_jpeg()],
         **fields})


def test_a_citizen_report_keeps_its_location(client, tree):
    page = client.get(reverse("inspections:report-create")).content.decode()
    assert "使用我的位置" in page and 'id="id_latitude"' in page
    assert report(client, tree, latitude="37.86", longitude="112.55").status_code == 302
    assert CitizenReport.objects.values_list("latitude", "longitude").get() == (
        D("37.860000"), D("112.550000"))


def test_a_citizen_report_with_a_bad_location_is_refused(client, tree):
    response = report(client, tree, latitude="37.86", longitude="-181")
    assert response.status_code == 200
    assert "确保该值大于或等于-180。" in response.content.decode()
    assert CitizenReport.objects.count() == 0


def item_page(client, user):
    item = Rectification.objects.get()
    return login(client, user).get(item.get_absolute_url()).content.decode()


def test_the_item_page_says_how_far_the_visit_was_from_the_point(client, people, point,
                                                                  criterion):
    visit(client, people["inspector"], point, criterion, latitude="37.86",
          longitude="112.5504")
    body = item_page(client, people["inspector"])
    assert '<dd class="col-8" id="visit-distance">距点位 35 米</dd>' in body
    assert 'id="visit-far"' not in body


def test_a_visit_more_than_500_metres_away_is_flagged(client, people, point, criterion):
    # 0.0046° of latitude: 511 m north of the point.
    visit(client, people["inspector"], point, criterion, latitude="37.8646",
          longitude="112.55")
    body = item_page(client, people["inspector"])
    assert ('<dd class="col-8" id="visit-distance">距点位 511 米 <span class="badge '
            'text-bg-warning" id="visit-far">偏远：超过 500 米</span></dd>') in body


def test_no_distance_without_both_locations(client, people, tree, criterion):
    unplaced = factories.PointFactory(unit=tree["street_a"])
    visit(client, people["inspector"], unplaced, criterion, latitude="37.86", longitude="112.55")
    assert 'id="visit-distance"' not in item_page(client, people["inspector"])


def test_the_point_page_lists_its_open_items_and_visits(client, people, point, criterion):
    visit(client, people["inspector"], point, criterion)
    item = Rectification.objects.get()
    factories.RectificationFactory(unit=point.unit, point=point, status="closed",
                                   title="已结案的事项")
    body = login(client, people["staff"]).get(
        reverse("inspections:point-detail", args=[point.pk])).content.decode()
    assert f'<a href="/items/{item.pk}/"><code>{item.code}</code> {item.title}</a>' in body
    assert "已结案的事项" not in body
    assert "2019-05-01 10:00" in body
    assert f'href="/map/?unit={point.unit_id}"' in body
