"""The monthly scoring rule as pure functions over plain data (DOMAIN.md "Monthly scoring").

Arithmetic is Decimal throughout. Rounding (ROUND_HALF_UP, two decimals) happens at three
places and nowhere else:
- a visit score is rounded to 0.01;
- a unit's inspection score is the mean of its rounded visit scores, rounded to 0.01;
- the monthly score is w × inspection + (1 − w) × 100 × on-time rate, rounded to 0.01
  (the on-time rate itself is an exact fraction, shown as a percentage to 0.1).
Ranks compare the rounded monthly scores, so two scores printed alike share a rank.

A visit whose point has no possible points (points_possible ≤ 0) cannot be scored: it is left
out entirely, neither in the mean nor in the visits counted towards the minimum sample.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def visit_score(possible: Decimal, deducted: Decimal) -> Decimal | None:
    """100 × (1 − deducted / possible), never below 0; None when nothing was possible."""
    if possible <= 0:
        return None
    return _round(max(Decimal(0), HUNDRED * (1 - deducted / possible)))


@dataclass(frozen=True)
class VisitGroup:
    """`count` visits with the same possible and deducted points (a GROUP BY row)."""

    possible: Decimal
    deducted: Decimal
    count: int = 1


def inspection_score(visits: Iterable[VisitGroup]) -> tuple[Decimal | None, int]:
    """(mean visit score, visits counted); (None, 0) when no visit could be scored."""
    total = Decimal(0)
    counted = 0
    for group in visits:
        score = visit_score(group.possible, group.deducted)
        if score is None:
            continue
        total += score * group.count
        counted += group.count
    if not counted:
        return None, 0
    return _round(total / counted), counted


def is_on_time(
    deadline: dt.datetime, last_submitted: dt.datetime | None, last_returned: dt.datetime | None
) -> bool:
    """An item is on time when its fix that was not returned was submitted by the deadline
    (exactly at it counts). A returned fix does not count; the re-submission counts by its own
    date. The fix that stands is the last submission with no return after it."""
    if last_submitted is None:
        return False
    if last_returned is not None and last_returned >= last_submitted:
        return False
    return last_submitted <= deadline


def on_time_rate(due: int, on_time: int) -> Decimal | None:
    """Share of the items due that were fixed on time; None when nothing fell due."""
    if due <= 0:
        return None
    return Decimal(on_time) / Decimal(due)


def monthly_score(
    inspection: Decimal | None, rate: Decimal | None, *, inspection_weight: Decimal
) -> Decimal | None:
    """w × inspection + (1 − w) × 100 × on-time rate. When nothing fell due the score is the
    inspection score alone (the weight shifts; nothing is invented). No visit scored → None."""
    if inspection is None:
        return None
    if rate is None:
        return _round(inspection)
    return _round(inspection_weight * inspection + (1 - inspection_weight) * HUNDRED * rate)


@dataclass(frozen=True)
class Standing:
    """One unit's line in a peer group's ranking."""

    unit_id: int
    visits: int
    inspection_score: Decimal | None
    due: int
    on_time: int
    score: Decimal | None
    ranked: bool = False
    rank: int | None = None
    previous_rank: int | None = None
    in_top: bool = False
    in_bottom: bool = False
    streak: int = 0
    flagged: bool = False

    @property
    def on_time_rate(self) -> Decimal | None:
        return on_time_rate(self.due, self.on_time)

    @property
    def on_time_percent(self) -> Decimal | None:
        rate = self.on_time_rate
        return None if rate is None else (rate * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def movement(self) -> int | None:
        """Places gained since last month (negative: lost); None when new or not ranked."""
        if not self.ranked or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def is_new(self) -> bool:
        return self.ranked and self.previous_rank is None


def standing(
    unit_id: int, visits: Sequence[VisitGroup], due: int, on_time: int, *,
    inspection_weight: Decimal,
) -> Standing:
    inspection, counted = inspection_score(visits)
    score = monthly_score(inspection, on_time_rate(due, on_time), inspection_weight=inspection_weight)
    return Standing(unit_id, counted, inspection, due, on_time, score)


def rank(
    standings: Iterable[Standing], *, min_sample: int, bottom_n: int,
    previous_ranks: dict[int, int] | None = None,
) -> list[Standing]:
    """Competition ranks (1, 2, 2, 4) by score among the units with at least `min_sample`
    visits; the others are listed after them, "not ranked", never first. The top N (red list)
    are the units ranked N or better; the bottom N (warning list) those with fewer than N
    ranked units scoring below them, so ties are in or out together. Ordered: ranked by rank,
    then not ranked."""
    previous_ranks = previous_ranks or {}
    standings = list(standings)
    ranked_scores = [
        s.score for s in standings if s.visits >= min_sample and s.score is not None
    ]
    # With no more ranked units than N, nobody stands out at either end.
    watched = len(ranked_scores) > bottom_n
    result = []
    for s in standings:
        if s.visits >= min_sample and s.score is not None:
            place = 1 + sum(1 for other in ranked_scores if other > s.score)
            below = sum(1 for other in ranked_scores if other < s.score)
            result.append(replace(
                s, ranked=True, rank=place, previous_rank=previous_ranks.get(s.unit_id),
                in_top=watched and place <= bottom_n, in_bottom=watched and below < bottom_n,
            ))
        else:
            result.append(replace(s, ranked=False, rank=None, previous_rank=None,
                                  in_top=False, in_bottom=False))
    result.sort(key=lambda s: (not s.ranked, s.rank or 0))
    return result


def streak_length(in_bottom_newest_first: Iterable[bool]) -> int:
    """Months in a row in the bottom N, counting back from the newest month."""
    length = 0
    for in_bottom in in_bottom_newest_first:
        if not in_bottom:
            break
        length += 1
    return length


def with_streaks(
    standings: Iterable[Standing], history: dict[int, list[bool]], *, streak_k: int
) -> list[Standing]:
    """Add the accountability streak: `history` holds each unit's bottom-N flags for the months
    before this one, newest first (a month missing from it ends the streak)."""
    result = []
    for s in standings:
        length = streak_length([s.in_bottom, *history.get(s.unit_id, [])])
        result.append(replace(s, streak=length, flagged=length >= streak_k))
    return result


def formula(inspection_weight: Decimal) -> tuple[Decimal, Decimal]:
    """The two weights in force: (inspection, on-time)."""
    return inspection_weight, 1 - inspection_weight
