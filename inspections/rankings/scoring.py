"""The monthly scoring rule as pure functions over plain data (DOMAIN.md "Monthly scoring").

Everything is computed exactly (fractions) and rounded once, where it is shown or stored:
half-up to 0.01 (the on-time rate to 0.1 %). So the monthly score is
w × inspection + (1 − w) × 100 × on-time rate over the UNROUNDED inspection score (the mean of
unrounded visit scores) and on-time rate: three visits scoring 100, 100 and 0 with every item on
time give 0.8 × 200/3 + 20 = 73.333… → 73.33 (rounding the inspection score first would give
66.67 and 73.34). Ranks compare the published (rounded) monthly scores, so two scores printed
alike share a rank and two printed differently never do.

The campaign may take points off for recurrences (复发, inspections.recurrence): each recurrence
filed in the month in the unit's subtree costs `recurrence_deduction` points, taken off the exact
score before it is rounded, never below 0. At 0 (the default) the rule above is unchanged.

A visit whose point has no possible points (points_possible ≤ 0) cannot be scored: it is left
out entirely, neither in the mean nor in the visits counted towards the minimum sample.

Which items are due in a month and when one is on time is stated once, in
inspections.models.RectificationQuerySet (the SQL and the Python predicate side by side).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from inspections.rounding import round_half_up


def exact_visit_score(possible: Decimal, deducted: Decimal) -> Fraction | None:
    """100 × (1 − deducted / possible), never below 0; None when nothing was possible."""
    if possible <= 0:
        return None
    return max(Fraction(0), 100 * (1 - Fraction(deducted) / Fraction(possible)))


def visit_score(possible: Decimal, deducted: Decimal) -> Decimal | None:
    """A visit's score as shown (rounded to 0.01)."""
    score = exact_visit_score(possible, deducted)
    return None if score is None else round_half_up(score)


@dataclass(frozen=True)
class VisitGroup:
    """`count` visits with the same possible and deducted points (a GROUP BY row)."""

    possible: Decimal
    deducted: Decimal
    count: int = 1


def inspection_score(visits: Iterable[VisitGroup]) -> tuple[Fraction | None, int]:
    """(mean visit score, exact; visits counted); (None, 0) when no visit could be scored."""
    total = Fraction(0)
    counted = 0
    for group in visits:
        score = exact_visit_score(group.possible, group.deducted)
        if score is None:
            continue
        total += score * group.count
        counted += group.count
    if not counted:
        return None, 0
    return total / counted, counted


def on_time_rate(due: int, on_time: int) -> Fraction | None:
    """Share of the items due that were fixed on time, exact; None when nothing fell due."""
    if due <= 0:
        return None
    return Fraction(on_time, due)


def monthly_score(
    inspection: Fraction | Decimal | None, rate: Fraction | None, *, inspection_weight: Decimal,
    recurrences: int = 0, recurrence_deduction: Decimal = Decimal(0),
) -> Decimal | None:
    """w × inspection + (1 − w) × 100 × on-time rate over the unrounded components, less
    `recurrence_deduction` per recurrence (never below 0), rounded once. When nothing fell due
    the score is the inspection score alone (the weight shifts; nothing is invented). No visit
    scored → None."""
    if inspection is None:
        return None
    if rate is None:
        score = Fraction(inspection)
    else:
        weight = Fraction(inspection_weight)
        score = weight * Fraction(inspection) + (1 - weight) * 100 * rate
    if recurrences and recurrence_deduction:
        score = max(Fraction(0), score - recurrences * Fraction(recurrence_deduction))
    return round_half_up(score)


@dataclass(frozen=True)
class Standing:
    """One unit's line in a peer group's ranking."""

    unit_id: int
    visits: int
    inspection_score: Decimal | None     # as shown: rounded to 0.01
    due: int
    on_time: int
    score: Decimal | None                # as published: rounded to 0.01, from unrounded parts
    ranked: bool = False
    rank: int | None = None
    previous_rank: int | None = None
    recurrences: int = 0                 # recurrences that cost points (0 when none are deducted)
    in_top: bool = False
    in_bottom: bool = False
    streak: int = 0
    flagged: bool = False

    @property
    def on_time_rate(self) -> Fraction | None:
        return on_time_rate(self.due, self.on_time)

    @property
    def on_time_percent(self) -> Decimal | None:
        rate = self.on_time_rate
        return None if rate is None else round_half_up(rate * 100, 1)

    @property
    def movement(self) -> int | None:
        """Places gained since last month (negative: lost); None when new or not ranked."""
        if not self.ranked or self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def is_new(self) -> bool:
        return self.ranked and self.previous_rank is None


def standing(
    unit_id: int, visits: Sequence[VisitGroup], due: int, on_time: int, *,
    inspection_weight: Decimal, recurrences: int = 0, recurrence_deduction: Decimal = Decimal(0),
) -> Standing:
    """A unit's figures: the score from the exact components, each shown rounded. Recurrences
    are kept only when they cost points."""
    inspection, counted = inspection_score(visits)
    recurrences = recurrences if recurrence_deduction else 0
    score = monthly_score(inspection, on_time_rate(due, on_time), inspection_weight=inspection_weight,
                          recurrences=recurrences, recurrence_deduction=recurrence_deduction)
    shown = None if inspection is None else round_half_up(inspection)
    return Standing(unit_id, counted, shown, due, on_time, score, recurrences=recurrences)


def rank(
    standings: Iterable[Standing], *, min_sample: int, bottom_n: int,
    previous_ranks: dict[int, int] | None = None,
) -> list[Standing]:
    """Competition ranks (1, 2, 2, 4) by published score among the units with at least `min_sample`
    visits; the others are listed after them, "not ranked", never first. The top N (red list)
    are the units ranked N or better; the bottom N (warning list) those with fewer than N
    ranked units scoring below them, so ties are in or out together. Ordered: ranked by rank,
    then not ranked."""
    previous_ranks = previous_ranks or {}
    standings = list(standings)
    # Ranks are decided on the figure as published; scores from monthly_score() already are.
    ranked_scores = [
        round_half_up(s.score) for s in standings if s.visits >= min_sample and s.score is not None
    ]
    # With no more ranked units than N, nobody stands out at either end.
    watched = len(ranked_scores) > bottom_n
    result = []
    for s in standings:
        if s.visits >= min_sample and s.score is not None:
            published = round_half_up(s.score)
            place = 1 + sum(1 for other in ranked_scores if other > published)
            below = sum(1 for other in ranked_scores if other < published)
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
    """Add the accountability streak, the whole run however long: `history` holds each unit's
    bottom-N flags for the months before this one, newest first, back to the first month it
    was not in the bottom N (a month missing from it ends the streak)."""
    result = []
    for s in standings:
        length = streak_length([s.in_bottom, *history.get(s.unit_id, [])])
        result.append(replace(s, streak=length, flagged=length >= streak_k))
    return result


def formula(inspection_weight: Decimal) -> tuple[Decimal, Decimal]:
    """The two weights in force: (inspection, on-time)."""
    return inspection_weight, 1 - inspection_weight
