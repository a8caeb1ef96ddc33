import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from inspections import workflow
from inspections.enums import EventAction as A
from inspections.enums import RectificationStatus as S
from inspections.models import Rectification, RectificationEvent
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai

@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the pages are checked in Chinese elsewhere."""
    with translation.override("en"):
        yield


def bring_to(status, item, people, photo):
    """Take a fresh item to `status` through the workflow."""
    staff, coordinator, inspector = people["staff"], people["coordinator"], people["inspector"]
    if status == S.OPEN:
        return item
    if status == S.RETURNED_TO_DISPATCH:
        return workflow.send_back(item, by=staff, version=None, reason="不归我们管")
    if status == S.VOIDED:
        return workflow.void(item, by=coordinator, version=None, reason="不属实")
    item = workflow.acknowledge(item, by=staff, version=None)
    if status == S.ACKNOWLEDGED:
        return item
    item = workflow.submit(item, by=staff, version=None, photos=[photo])
    if status == S.SUBMITTED:
        return item
    if status == S.REWORK:
        return workflow.return_for_rework(item, by=inspector, version=None, reason="仍有垃圾")
    return workflow.close(item, by=coordinator, version=None, method="service")


def act(action, item, people, photo, tree):
    """Do `action` with someone entitled to it and valid arguments."""
    staff_two, coordinator, inspector = people["staff_two"], people["coordinator"], people["inspector"]
    match action:
        case A.ACKNOWLEDGED:
            return workflow.acknowledge(item, by=staff_two, version=item.version)
        case A.SENT_BACK:
            return workflow.send_back(item, by=staff_two, version=item.version, reason="错派")
        case A.REROUTED:
            return workflow.reroute(item, by=coordinator, version=item.version,
                                    to_unit=tree["street_b"], note="属地在乙街道")
        case A.SUBMITTED:
            return workflow.submit(item, by=staff_two, version=item.version, photos=[photo])
        case A.CLOSED:
            return workflow.close(item, by=inspector, version=item.version, method="management")
        case A.RETURNED:
            return workflow.return_for_rework(item, by=inspector, version=item.version,
                                              reason="没修好")
        case A.EXTENDED:
            return workflow.extend_deadline(item, by=coordinator, version=item.version,
                                            deadline=item.deadline + dt.timedelta(days=5),
                                            reason="需协调")
        case A.VOIDED:
            return workflow.void(item, by=coordinator, version=item.version, reason="不属实")


# The status table written out by hand, apart from workflow.STEPS: from each status, what each
# step leads to ("-": refused as "not possible from there"; "=": allowed, the status stays).
STATUS_TABLE = """
status                acknowledge   send-back             submit     close   return  extend reroute void
open                  acknowledged  returned_to_dispatch  submitted  -       -       =      open    voided
acknowledged          -             returned_to_dispatch  submitted  -       -       =      open    voided
submitted             -             -                     -          closed  rework  -      -       voided
rework                -             -                     submitted  -       -       =      -       voided
returned_to_dispatch  -             -                     -          -       -       =      open    voided
closed                -             -                     -          -       -       -      -       -
voided                -             -                     -          -       -       -      -       -
"""
_HEADER, *_ROWS = [line.split() for line in STATUS_TABLE.strip().splitlines()]
EXPECTED = {
    (row[0], slug): row[0] if outcome == "=" else outcome
    for row in _ROWS for slug, outcome in zip(_HEADER[1:], row[1:], strict=True)
}
SLUG_ACTIONS = {"acknowledge": A.ACKNOWLEDGED, "send-back": A.SENT_BACK, "submit": A.SUBMITTED,
                "close": A.CLOSED, "return": A.RETURNED, "extend": A.EXTENDED,
                "reroute": A.REROUTED, "void": A.VOIDED}


def test_the_written_table_covers_every_status_and_every_step():
    assert {status for status, _slug in EXPECTED} == set(S.values)
    assert {(slug, SLUG_ACTIONS[slug]) for _status, slug in EXPECTED} == {
        (step.slug, step.action) for step in workflow.STEPS.values()}


@pytest.mark.parametrize(("status", "slug"), sorted(EXPECTED))
def test_every_edge_of_the_status_table(status, slug, item, people, photo, tree):
    """Each (status, step) pair tried on an item in that status, against the written table."""
    action, expected = SLUG_ACTIONS[slug], EXPECTED[(status, slug)]
    item = bring_to(status, item, people, photo)
    assert item.status == status
    events_before = RectificationEvent.objects.filter(rectification=item).count()
    if expected != "-":
        done = act(action, item, people, photo, tree)
        assert done.status == expected
        assert done.version == item.version + 1
        last = done.events.order_by("-pk").first()
        assert (last.action, last.from_status, last.to_status) == (action, status, expected)
        assert done.events.count() == events_before + 1
    else:
        with pytest.raises(workflow.TransitionError, match="not possible from there"):
            act(action, item, people, photo, tree)
        fresh = Rectification.objects.get(pk=item.pk)
        assert (fresh.status, fresh.version) == (status, item.version)
        assert fresh.events.count() == events_before


def test_status_table_reads_as_expected():
    assert workflow.STATUS_TABLE[S.OPEN] == {S.OPEN, S.ACKNOWLEDGED, S.SUBMITTED,
                                             S.RETURNED_TO_DISPATCH, S.VOIDED}
    assert workflow.STATUS_TABLE[S.SUBMITTED] == {S.CLOSED, S.REWORK, S.VOIDED}
    assert workflow.STATUS_TABLE[S.CLOSED] == set()
    assert workflow.STATUS_TABLE[S.VOIDED] == set()


def test_submitter_can_never_close_even_as_coordinator(item, people, photo, tree, member):
    both = member(tree["street_a"], "coordinator", username="both")
    factories.MembershipFactory(user=both, unit=tree["street_a"], role="unit_staff")
    item = workflow.submit(item, by=both, version=None, photos=[photo])
    with pytest.raises(workflow.TransitionError, match="someone else must verify"):
        workflow.close(item, by=both, version=item.version, method="service")
    assert Rectification.objects.get(pk=item.pk).status == S.SUBMITTED
    # After a rework, an earlier submitter is still refused.
    item = workflow.return_for_rework(item, by=people["inspector"], version=None, reason="再改")
    item = workflow.submit(item, by=people["staff"], version=None, photos=[photo])
    with pytest.raises(workflow.TransitionError):
        workflow.close(item, by=both, version=None, method="service")
    assert workflow.close(item, by=people["coordinator"], version=None, method="service").status == S.CLOSED


@pytest.mark.parametrize(("action", "who"), [
    (A.ACKNOWLEDGED, "inspector"), (A.ACKNOWLEDGED, "other_staff"), (A.ACKNOWLEDGED, "leader"),
    (A.VOIDED, "staff"), (A.VOIDED, "inspector"), (A.EXTENDED, "leader"),
])
def test_steps_refused_without_the_role(action, who, item, people):
    with pytest.raises(workflow.TransitionError, match="You may not"):
        if action == A.ACKNOWLEDGED:
            workflow.acknowledge(item, by=people[who], version=None)
        elif action == A.VOIDED:
            workflow.void(item, by=people[who], version=None, reason="x")
        else:
            workflow.extend_deadline(item, by=people[who], version=None, reason="x",
                                     deadline=item.deadline + dt.timedelta(days=1))
    assert item.events.count() == 1


def test_staff_cannot_verify_a_submitted_item(item, people, photo):
    item = workflow.submit(item, by=people["staff"], version=None, photos=[photo])
    with pytest.raises(workflow.TransitionError, match="You may not"):
        workflow.close(item, by=people["staff_two"], version=None, method="service")


def test_rework_count_rises_with_each_return(item, people, photo):
    for expected in (1, 2, 3):
        item = workflow.submit(item, by=people["staff"], version=None, photos=[photo])
        item = workflow.return_for_rework(item, by=people["inspector"], version=None, reason="再改")
        assert item.rework_count == expected
    assert item.status == S.REWORK
    assert list(item.events.filter(action=A.RETURNED).values_list("data", flat=True)) == [
        {"rework_count": 1}, {"rework_count": 2}, {"rework_count": 3}]


def test_submit_needs_photos(item, people):
    with pytest.raises(workflow.TransitionError, match="photo"):
        workflow.submit(item, by=people["staff"], version=None, photos=[])
    assert Rectification.objects.get(pk=item.pk).status == S.OPEN


def test_close_needs_a_721_method(item, people, photo):
    item = workflow.submit(item, by=people["staff"], version=None, photos=[photo])
    with pytest.raises(workflow.TransitionError, match="how the problem was solved"):
        workflow.close(item, by=people["coordinator"], version=None, method="")
    closed = workflow.close(item, by=people["coordinator"], version=None, method="enforcement")
    assert (closed.method, closed.events.last().data) == ("enforcement", {"method": "enforcement"})


@pytest.mark.parametrize("reason", ["", "   "])
def test_reasons_are_required(reason, item, people, photo):
    with pytest.raises(workflow.TransitionError):
        workflow.send_back(item, by=people["staff"], version=None, reason=reason)
    with pytest.raises(workflow.TransitionError):
        workflow.void(item, by=people["coordinator"], version=None, reason=reason)
    with pytest.raises(workflow.TransitionError):
        workflow.extend_deadline(item, by=people["coordinator"], version=None, reason=reason,
                                 deadline=item.deadline + dt.timedelta(days=1))
    assert item.events.count() == 1


def test_stale_version_is_refused(item, people):
    loaded = item.version
    workflow.acknowledge(item, by=people["staff"], version=loaded)
    with pytest.raises(workflow.StaleVersionError, match="changed meanwhile"):
        workflow.send_back(item, by=people["staff_two"], version=loaded, reason="错派")
    fresh = Rectification.objects.get(pk=item.pk)
    assert (fresh.status, fresh.version, fresh.events.count()) == (S.ACKNOWLEDGED, loaded + 1, 2)


def test_extension_keeps_old_and_new_deadline(item, people):
    old = item.deadline
    new = old + dt.timedelta(days=7)
    item = workflow.extend_deadline(item, by=people["coordinator"], version=None, deadline=new,
                                    reason="雨季施工")
    event = item.events.get(action=A.EXTENDED)
    assert event.data == {"old_deadline": old.isoformat(), "new_deadline": new.isoformat()}
    assert (item.deadline, event.note) == (new, "雨季施工")
    with pytest.raises(workflow.TransitionError, match="later than"):
        workflow.extend_deadline(item, by=people["coordinator"], version=None, deadline=old,
                                 reason="x")


def test_reroute_moves_the_item_and_keeps_both_units(item, people, tree):
    item = workflow.send_back(item, by=people["staff"], version=None, reason="属乙街道")
    item = workflow.reroute(item, by=people["coordinator"], version=None, to_unit=tree["street_b"],
                                note="属地在乙街道")
    event = item.events.get(action=A.REROUTED)
    assert (item.unit, item.status) == (tree["street_b"], S.OPEN)
    assert (event.data["from_unit"], event.data["to_unit"]) == (tree["street_a"].pk, tree["street_b"].pk)


def test_reroute_outside_the_coordinators_scope_is_refused(tree, member, people):
    district_coordinator = member(tree["district_a"], "coordinator")
    item = factories.file_item(tree["street_a"], by=district_coordinator)
    with pytest.raises(workflow.TransitionError, match="may not hand"):
        workflow.reroute(item, by=district_coordinator, version=None, to_unit=tree["street_b"],
                                note="属地在乙街道")


def test_codes_are_unit_year_sequence(tree, people):
    at = timezone.make_aware(dt.datetime(2019, 5, 1, 9))
    codes = [
        workflow.file_rectification(unit=tree["street_a"], title="t", by=people["inspector"],
                                    deadline=at + dt.timedelta(days=1), at=at).code
        for _ in range(3)
    ]
    code = tree["street_a"].code
    assert codes == [f"{code}-2019-0001", f"{code}-2019-0002", f"{code}-2019-0003"]


def test_filing_needs_an_inspecting_role(tree, people):
    with pytest.raises(workflow.TransitionError, match="may not file"):
        factories.file_item(tree["street_a"], by=people["staff"])


def test_events_are_append_only_history(item, people, photo):
    item = workflow.acknowledge(item, by=people["staff"], version=None, note="收到")
    item = workflow.submit(item, by=people["staff"], version=None, photos=[photo], note="已清理")
    actions = list(item.events.values_list("action", "actor__username", "note"))
    assert actions == [(A.FILED, "insp", ""), (A.ACKNOWLEDGED, "staff", "收到"),
                       (A.SUBMITTED, "staff", "已清理")]
    assert list(item.events.get(action=A.SUBMITTED).photos.all()) == [photo]


def test_units_with_the_same_code_in_two_campaigns_get_distinct_item_codes(tree, people, member):
    other_root = factories.UnitFactory(parent=None, kind="headquarters", name="另一指挥部")
    twin = factories.UnitFactory(parent=other_root, kind="street", code=tree["street_a"].code)
    other_inspector = member(other_root, "inspector", username="insp2")
    with time_machine.travel(NOW, tick=False):
        first = factories.file_item(tree["street_a"], by=people["inspector"])
        second = factories.file_item(twin, by=other_inspector)
        third = factories.file_item(tree["street_a"], by=people["inspector"])
    code = tree["street_a"].code
    assert [first.code, second.code, third.code] == [
        f"{code}-2026-0001", f"{code}-2026-0002", f"{code}-2026-0003"]
    assert second.campaign != first.campaign
