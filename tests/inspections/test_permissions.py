import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from inspections import permissions, services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_visit(tree, people):
    """A round over district A, 2019-05-01 to 05-10, with one covert visit finding a problem."""
    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                           points=3)
    point = factories.PointFactory(unit=tree["street_a"])
    with time_machine.travel(dt.datetime(2019, 5, 2, 10, tzinfo=dt.UTC)):
        round_ = services.plan_round(unit=tree["district_a"], name="五月上旬", sample_size=1,
                                     starts_on=dt.date(2019, 5, 1), ends_on=dt.date(2019, 5, 10),
                                     by=people["inspector"], seed=7)
        visit = services.record_visit(
            point=point, by=people["inspector"], mode="covert", visited_at=timezone.now(),
            round=round_, findings=[services.FindingInput(criterion=criterion)],
        )
    return round_, visit


def test_round_and_its_visits_hidden_from_the_unit_until_it_ends(round_visit, people):
    round_, visit = round_visit
    during, after = dt.date(2019, 5, 10), dt.date(2019, 5, 11)
    for who in ("staff", "leader"):
        assert list(permissions.visible_inspections(people[who], today=during)) == []
        assert list(permissions.visible_rounds(people[who], today=during)) == []
        assert list(permissions.visible_inspections(people[who], today=after)) == [visit]
    # The round covers district A: its leader sees it once ended; street staff never see it.
    assert list(permissions.visible_rounds(people["leader"], today=after)) == [round_]
    assert list(permissions.visible_rounds(people["staff"], today=after)) == []
    assert list(permissions.visible_inspections(people["inspector"], today=during)) == [visit]
    assert list(permissions.visible_inspections(people["other_staff"], today=after)) == []


def test_the_item_filed_from_a_hidden_visit_is_visible_to_the_unit(round_visit, people):
    _round, visit = round_visit
    item = visit.findings.get().rectification
    assert list(permissions.visible_rectifications(people["staff"])) == [item]
    assert list(permissions.visible_rectifications(people["other_staff"])) == []


def test_photos_follow_a_rerouted_item(tree, people, photo):
    from inspections import workflow

    item = factories.file_item(tree["street_a"], by=people["inspector"], photos=[photo])
    assert list(permissions.visible_photos(people["other_staff"])) == []
    workflow.reroute(item, by=people["coordinator"], version=None, to_unit=tree["street_b"],
                     note="属地在乙街道")
    assert list(permissions.visible_photos(people["other_staff"])) == [photo]


def test_predicates_by_role(item, people):
    assert permissions.can_acknowledge(people["staff"], item)
    assert not permissions.can_acknowledge(people["other_staff"], item)
    assert permissions.can_verify(people["inspector"], item)
    assert not permissions.can_verify(people["staff"], item)
    assert permissions.can_void(people["coordinator"], item)
    for predicate in (permissions.can_acknowledge, permissions.can_submit, permissions.can_close,
                      permissions.can_extend, permissions.can_void, permissions.can_reroute):
        assert not predicate(people["leader"], item)
