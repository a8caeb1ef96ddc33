"""Live figures are cached until what they read changes (inspections.live): every way the data
under a unit's month figures or a draft ranking can change gives fresh figures at once."""

import datetime as dt

import pytest

from campaign.periods import Month
from campaign.services import move_unit
from inspections import services, workflow
from inspections.rankings.queries import compute_month, drill_down, loss_details
from tests import factories
from tests.inspections.conftest import visit

pytestmark = pytest.mark.django_db

ZONE = dt.timezone(dt.timedelta(hours=8))
DAY = dt.datetime(2019, 7, 1, 9, tzinfo=ZONE)
DEADLINE = DAY + dt.timedelta(days=3)
JULY = Month(2019, 7)


def _figures(unit, now):
    figures = services.unit_figures(unit, JULY, now=now)
    return figures.filed, figures.disposed, figures.overdue_now


def _file(tree, people, unit="lane_a"):
    return workflow.file_rectification(unit=tree[unit], title="t", by=people["inspector"],
                                       deadline=DEADLINE, at=DAY)


def test_unit_figures_are_read_once_while_nothing_changes(tree, people, django_assert_num_queries):
    _file(tree, people)
    now = DAY + dt.timedelta(days=1)
    first = _figures(tree["street_a"], now)
    with django_assert_num_queries(1):       # the stamp only
        assert _figures(tree["street_a"], now) == first == (1, 0, 0)


def test_a_new_item_and_each_step_give_fresh_figures(tree, people, photo):
    now = DAY + dt.timedelta(days=1)
    item = _file(tree, people)
    assert _figures(tree["street_a"], now) == (1, 0, 0)
    _file(tree, people)
    assert _figures(tree["street_a"], now) == (2, 0, 0)
    workflow.submit(item, by=people["staff"], version=None, photos=[photo], at=now)
    assert _figures(tree["street_a"], now) == (2, 1, 0)


def test_a_deadline_passing_gives_fresh_overdue_counts(tree, people):
    _file(tree, people)
    before = DEADLINE - dt.timedelta(minutes=1)
    assert _figures(tree["street_a"], before) == (1, 0, 0)
    assert _figures(tree["street_a"], DEADLINE + dt.timedelta(minutes=1)) == (1, 0, 1)


def test_moving_a_unit_gives_fresh_figures_to_both_subtrees(tree, people):
    _file(tree, people)
    now = DAY + dt.timedelta(days=1)
    assert (_figures(tree["street_a"], now), _figures(tree["street_b"], now)) == ((1, 0, 0), (0, 0, 0))
    move_unit(tree["lane_a"], parent=tree["street_b"])
    tree["street_a"].campaign.refresh_from_db()
    tree["street_b"].campaign.refresh_from_db()
    assert (_figures(tree["street_a"], now), _figures(tree["street_b"], now)) == ((0, 0, 0), (1, 0, 0))


def test_a_new_visit_changes_the_draft_ranking_at_once(district):
    street = district["streets"][0]
    campaign = district["unit"].campaign
    now = dt.datetime(2019, 9, 1, tzinfo=dt.UTC)
    for _n in range(3):
        visit(district["points"][street.pk], "0")

    def standing():
        result = compute_month(campaign, JULY, district["unit"], now=now)
        return next((line.standing.visits, line.standing.score)
                    for line in result.lines if line.unit.pk == street.pk)

    assert standing() == (3, 100)
    visit(district["points"][street.pk], "40")
    assert standing() == (4, 90)      # visits 100, 100, 100, 60; no item due


def test_the_cache_key_holds_the_campaign_and_the_subtree(tree, people):
    # Two units' figures of the same month never share an entry.
    _file(tree, people, unit="lane_a")
    factories.RectificationFactory(unit=tree["street_b"], created_at=DAY, deadline=DEADLINE)
    now = DAY + dt.timedelta(days=1)
    assert _figures(tree["street_a"], now)[0] == 1
    assert _figures(tree["street_b"], now)[0] == 1
    assert _figures(tree["city"], now)[0] == 2


def test_the_drill_down_is_read_once_while_nothing_changes(tree, people, django_assert_num_queries):
    _file(tree, people, unit="street_a")
    visit(factories.PointFactory(unit=tree["street_a"]), "10")
    campaign, street = tree["street_a"].campaign, tree["street_a"]
    now = DEADLINE + dt.timedelta(days=1)
    with django_assert_num_queries(4):      # the stamp, the visits, their findings, the items
        first = loss_details(campaign, JULY, street, per_child=False, now=now)
    with django_assert_num_queries(1):      # the stamp only
        assert loss_details(campaign, JULY, street, per_child=False, now=now) == first
    # Keyed by the subtree and by how it is split: a parent's details per child are their own.
    district = tree["district_a"]
    assert list(loss_details(campaign, JULY, district, per_child=True, now=now)) == [street.pk]
    assert list(loss_details(campaign, JULY, district, per_child=False, now=now)) == [district.pk]


def test_a_new_visit_and_an_item_step_give_a_fresh_drill_down(tree, people, photo):
    street = tree["street_a"]
    item = _file(tree, people, unit="street_a")

    def details():
        found = drill_down(street.campaign, JULY, street).details
        return [v["id"] for v in found["visits"]], [(m["code"], m["submitted"]) for m in found["missed"]]

    assert details() == ([], [(item.code, "")])
    lost = visit(factories.PointFactory(unit=street), "10")
    assert details() == ([lost.pk], [(item.code, "")])
    workflow.submit(item, by=people["staff"], version=None, photos=[photo],
                    at=DEADLINE + dt.timedelta(hours=1))
    assert details() == ([lost.pk], [(item.code, "2019-07-04 10:00")])


# --- one computation at a time per entry (live.cached's claim) --------------------------------
def _key_of(campaign, now):
    import hashlib

    from inspections import live

    text = f"{live.VERSION}|{campaign.time_zone}|one-flight|{live.stamp(campaign, now)}"
    return "live:" + hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_a_second_request_waits_for_the_first_ones_computation(tree):
    import threading

    from inspections import live

    campaign, now = tree["city"].campaign, DAY
    started, go = threading.Event(), threading.Event()
    calls: list[str] = []
    results: dict[str, int] = {}

    def first():
        calls.append("first")
        started.set()
        go.wait(10)
        return 41

    def second():
        calls.append("second")
        return 99

    def run(name, compute):
        from django.db import connection

        try:
            results[name] = live.cached("one-flight", campaign, now, compute)
        finally:
            connection.close()     # each thread's own connection, as a request's

    one = threading.Thread(target=run, args=("one", first))
    one.start()
    assert started.wait(10)
    two = threading.Thread(target=run, args=("two", second))
    two.start()
    two.join(0.5)
    assert two.is_alive()          # waiting for the first computation, not computing
    go.set()
    one.join(10)
    two.join(10)
    assert calls == ["first"]
    assert results == {"one": 41, "two": 41}


def test_a_claim_left_behind_is_waited_for_at_most_wait_seconds(tree, monkeypatch):
    import time

    from django.core.cache import cache

    from inspections import live

    campaign, now = tree["city"].campaign, DAY
    monkeypatch.setattr(live, "WAIT", 0.5)
    cache.add(_key_of(campaign, now) + ":computing", 1, 60)     # a worker killed mid-way
    started = time.monotonic()
    assert live.cached("one-flight", campaign, now, lambda: 7) == 7
    assert 0.5 <= time.monotonic() - started < 2


def test_a_computation_that_failed_lets_the_next_request_compute_at_once(tree):
    import time

    from inspections import live

    campaign, now = tree["city"].campaign, DAY

    def fails():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        live.cached("one-flight", campaign, now, fails)
    started = time.monotonic()
    assert live.cached("one-flight", campaign, now, lambda: 5) == 5
    assert time.monotonic() - started < live.POLL * 5


# --- figures a moment behind for readers who did not just change anything (LagMiddleware) ----
def _unit_figures_page(client, unit):
    from django.urls import reverse

    return client.get(reverse("inspections:unit-figures", args=[unit.pk]) + f"?month={JULY}")


@pytest.fixture
def lagging(settings):
    settings.LIVE_FIGURES_LAG = 60


def _filed_count(response) -> int:
    return response.context["figures"].filed


def test_another_reader_may_see_figures_up_to_the_lag_old(client, tree, people, lagging):
    import time_machine

    from tests.factories import login

    login(client, people["coordinator"])
    _file(tree, people)
    with time_machine.travel(DAY + dt.timedelta(days=1), tick=False) as clock:
        assert _filed_count(_unit_figures_page(client, tree["city"])) == 1
        _file(tree, people)                          # filed by someone else meanwhile
        clock.shift(dt.timedelta(seconds=59))
        assert _filed_count(_unit_figures_page(client, tree["city"])) == 1
        clock.shift(dt.timedelta(seconds=2))         # past the lag: computed again
        assert _filed_count(_unit_figures_page(client, tree["city"])) == 2


def test_the_person_who_just_changed_something_sees_it_counted_at_once(client, tree, people, lagging):
    import time_machine

    from tests.factories import login

    login(client, people["inspector"])
    _file(tree, people)
    with time_machine.travel(DAY + dt.timedelta(days=1), tick=False):
        assert _filed_count(_unit_figures_page(client, tree["city"])) == 1
        item = _file(tree, people)
        # Any POST of theirs marks their browser (campaign.routers.PinPrimaryMiddleware): here a
        # refused step, which changes nothing but says they act.
        client.post(f"/items/{item.pk}/void/", {"version": "999", "reason": "x"})
        assert _filed_count(_unit_figures_page(client, tree["city"])) == 2


def test_a_request_releases_only_its_own_claim(tree):
    from django.core.cache import cache

    from inspections import live

    campaign, now = tree["city"].campaign, DAY
    claim_key = _key_of(campaign, now) + ":computing"

    def slow():
        # Meanwhile this request's claim expired and another request took the entry over.
        cache.set(claim_key, "another request's", 60)
        return 3

    assert live.cached("one-flight", campaign, now, slow) == 3
    assert cache.get(claim_key) == "another request's"
