"""A hand-built map: points and items in district A (street A, its lane office) and district B,
at a pinned moment, each status class once."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine

from tests import factories

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def world(tree, people, clock):
    point = factories.PointFactory
    points = {
        "pa1": point(unit=tree["street_a"], code="PA1", name="甲一巷", kind="back_street",
                     latitude=D("37.860000"), longitude=D("112.550000")),
        "pa2": point(unit=tree["lane_a"], code="PA2", name="甲市场", kind="market",
                     latitude=D("37.870000"), longitude=D("112.560000")),
        "unplaced": point(unit=tree["street_a"], code="PA3", name="无坐标"),
        "inactive": point(unit=tree["street_a"], code="PA4", name="已停用", is_active=False,
                          latitude=D("37.861000"), longitude=D("112.551000")),
        "pb1": point(unit=tree["street_b"], code="PB1", name="乙一巷", kind="back_street",
                     latitude=D("37.900000"), longitude=D("112.600000")),
    }
    standard = factories.StandardFactory(campaign=tree["city"].campaign)
    categories = [factories.CategoryFactory(standard=standard, name=name)
                  for name in ("环境卫生", "市场秩序")]
    criteria = [factories.CriterionFactory(category=category) for category in categories]
    day = dt.timedelta(days=1)

    def item(code, unit, status, deadline, point=None, criterion=None):
        return factories.RectificationFactory(
            code=code, unit=tree[unit], status=status, deadline=deadline, title=f"事项{code}",
            point=points[point] if point else None, criterion=criterion)

    items = {
        "overdue": item("ZG-1", "street_a", "open", NOW - day, "pa1", criteria[0]),
        "due_soon": item("ZG-2", "street_a", "acknowledged", NOW + day, "pa1", criteria[1]),
        "open": item("ZG-3", "lane_a", "rework", NOW + 10 * day, "pa2"),
        "submitted": item("ZG-4", "street_a", "submitted", NOW - 2 * day, "pa2"),
        "closed": item("ZG-5", "street_a", "closed", NOW - day, "pa1"),
        "unplaced": item("ZG-6", "street_a", "open", NOW - day),
        "at_unplaced": item("ZG-7", "street_a", "open", NOW - day, "unplaced"),
        "district_b": item("ZG-8", "street_b", "open", NOW - day, "pb1"),
    }
    return {"points": points, "items": items, "categories": categories, "tree": tree,
            "people": people}
