"""The scoring rule as tables of cases (pure functions, no database)."""

import datetime as dt
from decimal import Decimal as D
from fractions import Fraction as F

import pytest

from inspections import rounding
from inspections.models import is_on_time, standing_fix_at
from inspections.rankings import scoring
from inspections.rankings.scoring import Standing, VisitGroup

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


@pytest.mark.parametrize(("groups", "exact", "shown"), [
    ([], None, None),                                                       # no visits
    ([VisitGroup(D("100"), D("10"), 3)], F(90), D("90.00")),
    # (100 + 66.666…) / 2 = 83.333…: the mean of unrounded visit scores (not (100 + 66.67) / 2)
    ([VisitGroup(D("100"), D("0")), VisitGroup(D("30"), D("10"))], F(250, 3), D("83.33")),
    ([VisitGroup(D("0"), D("0"), 5), VisitGroup(D("50"), D("5"))], F(90), D("90.00")),  # 0-possible skipped
    ([VisitGroup(D("0"), D("0"), 2)], None, None),
    ([VisitGroup(D("100"), D("0"), 2), VisitGroup(D("100"), D("100"))], F(200, 3), D("66.67")),
])
def test_inspection_score_is_the_exact_mean_of_visit_scores(groups, exact, shown):
    score, counted = scoring.inspection_score(groups)
    assert score == exact
    assert counted == sum(g.count for g in groups if g.possible > 0)
    assert scoring.standing(1, groups, 0, 0, inspection_weight=D("0.80")).inspection_score == shown


@pytest.mark.parametrize(("steps", "expected"), [
    ([], False),                                                            # never submitted
    ([("submitted", -MINUTE)], True),
    ([("submitted", 0 * MINUTE)], True),                                    # exactly at the deadline
    ([("submitted", MINUTE)], False),
    ([("submitted", -2 * MINUTE), ("returned", -MINUTE)], False),           # returned, not re-submitted
    ([("submitted", -3 * MINUTE), ("returned", -2 * MINUTE), ("submitted", -MINUTE)], True),
    ([("submitted", -3 * MINUTE), ("returned", -MINUTE), ("submitted", MINUTE)], False),  # late again
    ([("submitted", -MINUTE), ("returned", -MINUTE)], False),               # returned that instant
    ([("submitted", -MINUTE), ("returned", MINUTE)], False),                # returned after the deadline
    ([("submitted", -MINUTE), ("extended", 0 * MINUTE), ("closed", MINUTE)], True),  # other steps: no effect
])
def test_on_time(steps, expected):
    fix_at = standing_fix_at([(action, T + offset) for action, offset in steps])
    assert is_on_time(T, fix_at) is expected


@pytest.mark.parametrize(("inspection", "due", "on_time", "weight", "expected"), [
    (F(90), 4, 3, D("0.80"), D("87.00")),       # 0.8 × 90 + 0.2 × 75
    (F(90), 0, 0, D("0.80"), D("90.00")),       # nothing due: inspection alone
    (None, 4, 4, D("0.80"), None),              # no visit scored: no score
    (F(200, 3), 5, 5, D("0.80"), D("73.33")),   # 53.333… + 20 = 73.333…: no double rounding
    (D("66.67"), 5, 5, D("0.80"), D("73.34")),  # what rounding the inspection score first gave
    (F(250, 3), 3, 1, D("0.80"), D("73.33")),   # 66.666… + 6.666… = 73.333…
    (F(200, 3), 0, 0, D("0.80"), D("66.67")),   # nothing due: 66.666… shown rounded
    (F(80), 2, 1, D("1.00"), D("80.00")),       # on-time weight 0
    (F(80), 2, 1, D("0.00"), D("50.00")),       # inspection weight 0
    (F(8001, 100), 8, 7, D("0.80"), D("81.51")),  # 64.008 + 17.5 = 81.508
    (F(0), 3, 1, D("0.75"), D("8.33")),          # 0.25 × 33.333…
])
def test_monthly_score(inspection, due, on_time, weight, expected):
    rate = scoring.on_time_rate(due, on_time)
    assert scoring.monthly_score(inspection, rate, inspection_weight=weight) == expected


@pytest.mark.parametrize(("value", "places", "expected"), [
    (F(73335, 1000), 2, D("73.34")),            # exactly half: up
    (F(73334999, 1000000), 2, D("73.33")),
    (F(200, 3), 2, D("66.67")),
    (F(0), 2, D("0.00")),
    (F(100), 2, D("100.00")),
    (F(2, 3) * 100, 1, D("66.7")),
    (F(1, 16) * 100, 1, D("6.3")),              # 6.25 → 6.3
    (F(-1, 200), 2, D("-0.01")),                # half away from zero
])
def test_round_half_up(value, places, expected):
    assert rounding.round_half_up(value, places) == expected


def test_a_units_figures_round_only_when_shown():
    # Three visits scoring 100, 100 and 0, five items due all on time.
    groups = [VisitGroup(D("100"), D("0"), 2), VisitGroup(D("100"), D("100"))]
    s = scoring.standing(1, groups, 5, 5, inspection_weight=D("0.80"))
    assert (s.inspection_score, s.on_time_percent, s.score) == (D("66.67"), D("100.0"), D("73.33"))
    s = scoring.standing(1, groups, 3, 1, inspection_weight=D("0.80"))
    assert (s.inspection_score, s.on_time_percent, s.score) == (D("66.67"), D("33.3"), D("60.00"))


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


def test_ranks_are_decided_on_the_published_score():
    # 80.004, 80.00 and 79.995 are all published as 80.00: they share a rank; 79.994 is
    # published as 79.99, behind them.
    standings = [_s(1, "80.004"), _s(2, "80.00"), _s(3, "79.995"), _s(4, "79.994")]
    ranked = scoring.rank(standings, min_sample=3, bottom_n=1)
    assert [(s.unit_id, s.rank) for s in ranked] == [(1, 1), (2, 1), (3, 1), (4, 4)]


@pytest.mark.parametrize(("history", "k", "streak", "flagged"), [
    ([True, True], 2, 3, True),                # last 3 months running with K = 2: reads 3
    ([True] * 11, 3, 12, True),                # a whole year
    ([True, True, False, True, True], 2, 3, True),
])
def test_the_streak_counts_the_whole_run(history, k, streak, flagged):
    standing = Standing(1, 3, D("50"), 0, 0, D("50"), ranked=True, rank=4, in_bottom=True)
    [result] = scoring.with_streaks([standing], {1: history}, streak_k=k)
    assert (result.streak, result.flagged) == (streak, flagged)
