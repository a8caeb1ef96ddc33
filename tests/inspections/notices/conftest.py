import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests import factories

BEIJING = ZoneInfo("Asia/Shanghai")
# Tuesday before the 2026 National Day holiday (10-01 to 10-07; Saturday 10-10 a make-up day).
ISSUED = dt.datetime(2026, 9, 29, 10, 0, tzinfo=BEIJING)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def clock():
    """Every test here runs at ISSUED unless it travels on."""
    with time_machine.travel(ISSUED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def cast(tree, people, member):
    """`people` plus a coordinator of district A, one of street A and a leader in charge (包联)
    of district A."""
    district = member(tree["district_a"], "coordinator", username="district")
    street_coordinator = member(tree["street_a"], "coordinator", username="streetco")
    in_charge = factories.UserFactory(username="incharge")
    from campaign.models import LeaderCharge

    LeaderCharge.objects.create(leader=in_charge, unit=tree["district_a"])
    return {**people, "district": district, "street_coordinator": street_coordinator,
            "in_charge": in_charge}


@pytest.fixture
def issue(tree, cast):
    """issue(**overrides) → a notice from the city office to street A, reply in 3 working days."""
    from inspections.notices import services

    def make(**fields):
        fields.setdefault("unit", tree["street_a"])
        fields.setdefault("subject", "背街小巷整治滞后")
        fields.setdefault("body", "请于限期内整改并书面回复。")
        fields.setdefault("by", cast["coordinator"])
        fields.setdefault("now", ISSUED)
        if "reply_by" not in fields:
            fields.setdefault("reply_days", 3)
            fields.setdefault("reply_count", "working")
        return services.issue_notice(**fields)

    return make
