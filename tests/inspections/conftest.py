import datetime as dt
from decimal import Decimal as D

import pytest

from tests import factories


@pytest.fixture
def people(tree, member):
    """A city coordinator and inspector, street A's staff (two), a leader over district A,
    and street B's staff."""
    coordinator = member(tree["city"], "coordinator", username="coord")
    inspector = member(tree["city"], "inspector", username="insp")
    staff = member(tree["street_a"], "unit_staff", username="staff")
    staff_two = member(tree["street_a"], "unit_staff", username="staff2")
    other_staff = member(tree["street_b"], "unit_staff", username="other")
    leader = member(tree["district_a"], "leader", username="leader")
    return {"coordinator": coordinator, "inspector": inspector, "staff": staff,
            "staff_two": staff_two, "other_staff": other_staff, "leader": leader}


@pytest.fixture
def item(tree, people):
    return factories.file_item(tree["street_a"], by=people["inspector"])


@pytest.fixture
def photo(tree, people):
    return factories.store_photo_for(tree["street_a"], by=people["staff"])


@pytest.fixture
def district(tree):
    """District A with four streets (甲街道 from `tree` plus three) and a point in each; 甲街道's
    lane office has a point of its own, counted for 甲街道."""
    district = tree["district_a"]
    streets = [tree["street_a"]] + [
        factories.UnitFactory(parent=district, kind="street", name=name, order=index)
        for index, name in enumerate(["丙街道", "丁街道", "戊街道"], start=1)
    ]
    points = {street.pk: factories.PointFactory(unit=street) for street in streets}
    points["lane"] = factories.PointFactory(unit=tree["lane_a"])
    return {"unit": district, "streets": streets, "points": points, "tree": tree}


def visit(point, deducted, *, possible="100", day=10, month=7, unit=None):
    return factories.InspectionFactory(
        point=point, unit=unit or point.unit, points_possible=D(possible),
        points_deducted=D(deducted),
        visited_at=dt.datetime(2019, month, day, 2, 0, tzinfo=dt.UTC),
    )
