"""What the rankings tests share: July 2019 scored on 1 September in district A's four streets,
and a July bulletin corrected once (`revised`)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from campaign.periods import Month
from inspections.rankings.services import publish_bulletin, revise_bulletin
from tests import factories
from tests.inspections.conftest import visit

JULY = Month(2019, 7)
DEADLINE = dt.datetime(2019, 7, 15, 10, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2019, 9, 1, tzinfo=dt.UTC)
DAY, HOUR, MINUTE = dt.timedelta(days=1), dt.timedelta(hours=1), dt.timedelta(minutes=1)


def lines(result):
    return {line.unit.name: line.standing for line in result.lines}


def item(unit, *, deadline=DEADLINE, status="submitted", steps=(), **fields):
    """An item with its events: [(action, offset from the deadline)…]."""
    rectification = factories.RectificationFactory(unit=unit, deadline=deadline, status=status,
                                                   **fields)
    for action, offset in steps:
        factories.RectificationEventFactory(rectification=rectification, action=action,
                                            created_at=deadline + offset)
    return rectification


def three_visits(point, deductions=("0", "0", "100"), *, possible="100", month=7):
    for deducted in deductions:
        visit(point, deducted, possible=possible, month=month)


def three_ranked(district, month=7, deductions=("10", "20", "30", "40")):
    """Three visits to each street of `district` in `month`, each deducting its street's points."""
    for street, deducted in zip(district["streets"], deductions, strict=True):
        three_visits(district["points"][street.pk], (deducted,) * 3, month=month)


def last_every_month(district, months):
    """戊街道 (the fourth street) last in each of `months`."""
    for month in months:
        three_ranked(district, month)


@pytest.fixture
def coordinator(district, member):
    return member(district["unit"], role="coordinator", name="区协调员")


@pytest.fixture
def revised(district):
    """July published (甲 90.00, first) then corrected (甲 loses 60 on every visit: 40.00, last)."""
    campaign = district["unit"].campaign
    a = district["streets"][0]
    three_ranked(district, deductions=("10", "20", "30", "35"))
    first, _created = publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    a.inspections.update(points_deducted=D("60"))
    second = revise_bulletin(first, by=None, reason="甲街道督查记录更正", now=NOW)
    return {"first": first, "second": second, "street": a, **district}
