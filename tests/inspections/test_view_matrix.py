"""Every page: the right person gets it, out of scope is 404 (with leakable data present),
in scope without the role is 403."""

import datetime as dt

import pytest
from django.urls import reverse

from inspections import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, people):
    """Street B's objects (the leak candidates) and street A's, a finished round over B."""
    campaign = tree["city"].campaign
    criterion = factories.CriterionFactory(category__standard__campaign=campaign)
    point_a = factories.PointFactory(unit=tree["street_a"], name="甲点位")
    point_b = factories.PointFactory(unit=tree["street_b"], name="乙点位机密")
    round_b = services.plan_round(unit=tree["district_b"], name="乙区轮次机密", sample_size=1,
                                  starts_on=dt.date(2019, 5, 1), ends_on=dt.date(2019, 5, 10),
                                  by=people["inspector"], seed=1)
    visit_b = services.record_visit(point=point_b, by=people["inspector"], mode="open",
                                    visited_at=dt.datetime(2019, 5, 2, 3, tzinfo=dt.UTC),
                                    round=round_b, now=dt.datetime(2019, 5, 2, 4, tzinfo=dt.UTC))
    item_b = factories.file_item(tree["street_b"], by=people["inspector"], title="乙事项机密")
    return {"criterion": criterion, "point_a": point_a, "point_b": point_b, "round_b": round_b,
            "visit_b": visit_b, "item_b": item_b, "standard": criterion.category.standard}


def url(name, *args):
    return reverse(f"inspections:{name}", args=args)


PAGES_404 = [
    ("rectification-detail", lambda w: [w["item_b"].pk], "乙事项机密"),
    ("round-detail", lambda w: [w["round_b"].pk], "乙区轮次机密"),
    ("inspection-detail", lambda w: [w["visit_b"].pk], "乙点位机密"),
    ("unit-figures", lambda w: [w["point_b"].unit_id], "乙街道"),
]


@pytest.mark.parametrize(("name", "args", "secret"), PAGES_404)
def test_out_of_scope_is_404_and_leaks_nothing(client, people, world, name, args, secret):
    client.force_login(people["staff"])
    response = client.get(url(name, *args(world)))
    assert response.status_code == 404 and secret not in response.content.decode()
    client.force_login(people["coordinator"])
    assert client.get(url(name, *args(world))).status_code == 200


def test_visit_form_for_a_point_out_of_scope_is_404(client, people, world):
    client.force_login(people["staff"])
    assert client.get(url("visit-create", world["point_b"].pk)).status_code == 404


def test_point_edit_out_of_scope_is_404_and_without_role_403(client, people, world, tree, member):
    client.force_login(people["staff"])
    assert client.get(url("point-edit", world["point_b"].pk)).status_code == 404
    assert client.get(url("point-edit", world["point_a"].pk)).status_code == 403
    assert client.get(url("point-create")).status_code == 403
    client.force_login(people["coordinator"])
    assert client.get(url("point-edit", world["point_a"].pk)).status_code == 200


@pytest.mark.parametrize("name", ["rectification-list", "rectification-ledger", "round-list",
                                  "point-list", "standard-list"])
def test_lists_for_every_role(client, people, world, name):
    for who in ("staff", "leader", "inspector", "coordinator"):
        client.force_login(people[who])
        response = client.get(url(name))
        assert response.status_code == 200
        if who == "staff":
            body = response.content.decode()
            assert "乙事项机密" not in body and "乙点位机密" not in body and "乙区轮次机密" not in body


def test_standard_pages(client, people, world, tree):
    standard = world["standard"]
    client.force_login(people["leader"])
    assert client.get(url("standard-detail", standard.pk)).status_code == 200
    assert client.get(url("category-create", standard.pk)).status_code == 403
    assert client.get(url("criterion-create", standard.pk)).status_code == 403
    other = factories.StandardFactory()   # another campaign's standard
    assert client.get(url("standard-detail", other.pk)).status_code == 404
    client.force_login(people["coordinator"])
    response = client.post(url("category-create", standard.pk), {"key": "new-cat", "name": "新类别",
                                                                 "order": 5})
    assert response.status_code == 302 and standard.categories.filter(name="新类别").exists()


def test_anonymous_people_are_sent_to_log_in(client, world):
    for name, args in [("rectification-list", []), ("photo", [1]),
                       ("rectification-detail", [world["item_b"].pk])]:
        assert client.get(url(name, *args)).status_code == 302


@pytest.mark.parametrize("path", ["/items/abc/", "/items/1/close/extra/", "/photos/x/",
                                  "/items/ledger.pdf", "/points/export.json"])
def test_malformed_urls_are_404(client, people, path):
    client.force_login(people["coordinator"])
    assert client.get(path).status_code == 404
