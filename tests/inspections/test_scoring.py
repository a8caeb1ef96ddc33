"""The scoring rule as tables of cases (pure functions, no database)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from inspections import scoring
from inspections.scoring import Standing, VisitGroup

T = dt.datetime(2019, 7, 15, 10, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.mark.parametrize(("possible", "deducted", "expected"), [
    (D("100"), D("0"), D("100.00")),
    (D("100"), D("12.5"), D("87.50")),
    (D("30"), D("10"), D("66.67")),           # 66.666… rounds half up to 0.01
    (D("60"), D("0.03"), D("99.95")),         # 99.95 exactly
    (D("20"), D("25"), D("0.00")),            # more deducted than possible: floored at 0
    (D("0"), D("0"), None),                   # no possible points: not counted
    (D("0"), D("3"), None),
])
def test_visit_score(possible, deducted, expected):
    assert scoring.visit_score(possible, deducted) == expected


@pytest.mark.parametrize(("groups", "expected"), [
    ([], (None, 0)),                                                       # no visits
    ([VisitGroup(D("100"), D("10"), 3)], (D("90.00"), 3)),
    ([VisitGroup(D("100"), D("0")), VisitGroup(D("30"), D("10"))], (D("83.34"), 2)),  # (100+66.67)/2
    ([VisitGroup(D("0"), D("0"), 5), VisitGroup(D("50"), D("5"))], (D("90.00"), 1)),  # 0-possible skipped
    ([VisitGroup(D("0"), D("0"), 2)], (None, 0)),
])
def test_inspection_score_is_the_mean_of_visit_scores(groups, expected):
    assert scoring.inspection_score(groups) == expected


@pytest.mark.parametrize(("submitted", "returned", "expected"), [
    (None, None, False),                       # never submitted
    (T - MINUTE, None, True),
    (T, None, True),                           # exactly at the deadline: on time
    (T + MINUTE, None, False),
    (T - 2 * MINUTE, T - MINUTE, False),       # submitted in time, returned, not re-submitted
    (T - MINUTE, T - 2 * MINUTE, True),        # returned, then fixed again before the deadline
    (T + MINUTE, T - MINUTE, False),           # returned; the re-submission came late
    (T, T, False),                             # returned at the very moment: not the standing fix
])
def test_on_time(submitted, returned, expected):
    assert scoring.is_on_time(T, submitted, returned) is expected


@pytest.mark.parametrize(("inspection", "due", "on_time", "weight", "expected"), [
    (D("90"), 4, 3, D("0.80"), D("87.00")),     # 0.8 × 90 + 0.2 × 75
    (D("90"), 0, 0, D("0.80"), D("90.00")),     # nothing due: inspection alone
    (None, 4, 4, D("0.80"), None),              # no visit scored: no score
    (D("83.34"), 3, 1, D("0.80"), D("73.34")),  # 66.672 + 6.6666… = 73.3386… → 73.34
    (D("80"), 2, 1, D("1.00"), D("80.00")),     # on-time weight 0
    (D("80"), 2, 1, D("0.00"), D("50.00")),     # inspection weight 0
])
def test_monthly_score(inspection, due, on_time, weight, expected):
    rate = scoring.on_time_rate(due, on_time)
    assert scoring.monthly_score(inspection, rate, inspection_weight=weight) == expected


def _s(unit_id, score, visits=3):
    return Standing(unit_id, visits, score, 0, 0, None if score is None else D(score))


@pytest.mark.parametrize(("scores", "min_sample", "expected"), [
    # ties share a rank: 1, 2, 2, 4
    ([(1, "90", 3), (2, "85", 3), (3, "85", 3), (4, "70", 3)], 3, [(1, 1), (2, 2), (3, 2), (4, 4)]),
    # all tied
    ([(1, "80", 3), (2, "80", 3)], 3, [(1, 1), (2, 1)]),
    # below the minimum sample: not ranked, never first, even with the best score
    ([(1, "99", 2), (2, "85", 3), (3, "80", 5)], 3, [(2, 1), (3, 2), (1, None)]),
    # a unit with no visits
    ([(1, None, 0), (2, "60", 4)], 3, [(2, 1), (1, None)]),
    # an empty month: nobody ranked
    ([(1, None, 0), (2, None, 0)], 3, [(1, None), (2, None)]),
    # min sample 1
    ([(1, "50", 1), (2, "60", 1)], 1, [(2, 1), (1, 2)]),
])
def test_competition_ranks(scores, min_sample, expected):
    standings = [_s(unit_id, score, visits) for unit_id, score, visits in scores]
    ranked = scoring.rank(standings, min_sample=min_sample, bottom_n=1)
    assert [(s.unit_id, s.rank) for s in ranked] == expected
    assert all(s.ranked is (s.rank is not None) for s in ranked)


@pytest.mark.parametrize(("scores", "bottom_n", "top", "bottom"), [
    (["90", "85", "85", "70"], 1, [1], [4]),
    (["90", "85", "85", "70"], 2, [1, 2, 3], [2, 3, 4]),   # ties are in together
    (["90", "90", "70", "70"], 1, [1, 2], [3, 4]),
    (["90"], 1, [], []),                                    # one unit ranked: no list
    (["90", "80"], 2, [], []),                              # no more ranked than N
])
def test_red_and_warning_lists(scores, bottom_n, top, bottom):
    standings = [_s(index + 1, score) for index, score in enumerate(scores)]
    ranked = scoring.rank(standings, min_sample=3, bottom_n=bottom_n)
    assert sorted(s.unit_id for s in ranked if s.in_top) == top
    assert sorted(s.unit_id for s in ranked if s.in_bottom) == bottom


def test_movement_and_new():
    standings = [_s(1, "90"), _s(2, "80"), _s(3, "70"), _s(4, "60", visits=1)]
    ranked = {s.unit_id: s for s in scoring.rank(
        standings, min_sample=3, bottom_n=1, previous_ranks={1: 3, 2: 1, 4: 1}
    )}
    assert ranked[1].movement == 2            # ↑2
    assert ranked[2].movement == -1           # ↓1
    assert ranked[3].movement is None and ranked[3].is_new
    assert ranked[4].movement is None and not ranked[4].is_new   # not ranked: neither


@pytest.mark.parametrize(("now", "history", "k", "streak", "flagged"), [
    (True, [True, True], 3, 3, True),
    (True, [True, False, True], 3, 2, False),
    (False, [True, True, True], 3, 0, False),
    (True, [], 1, 1, True),
    (True, [True], 3, 2, False),               # a missing month ends the streak
])
def test_accountability_streaks(now, history, k, streak, flagged):
    standing = Standing(1, 3, D("50"), 0, 0, D("50"), ranked=True, rank=4, in_bottom=now)
    [result] = scoring.with_streaks([standing], {1: history}, streak_k=k)
    assert (result.streak, result.flagged) == (streak, flagged)
