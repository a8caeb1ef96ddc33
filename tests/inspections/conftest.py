import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine

from tests import factories


@pytest.fixture
def item(request, tree, people):
    """An open item in street A filed by the inspector; a test marked `filed_at(when)` has it
    filed at that moment (its dates then follow from `when`, not from the day the suite runs)."""
    marker = request.node.get_closest_marker("filed_at")
    if marker is None:
        return factories.file_item(tree["street_a"], by=people["inspector"])
    with time_machine.travel(marker.args[0], tick=False):
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
