"""A mock evaluation's report (模拟测评): score rates (得分率) by criterion, by category and by
responsible unit, the points that lost most, and the change against the previous mock.

Definitions (the report page states them too):
- A visit's points possible and deducted are those recorded on the visit (inspections.services:
  the criteria in force that apply to the point's kind, each finding deducting its criterion's
  points).
- Overall and unit rate = 1 − Σ deducted ÷ Σ possible over the mock's visits (to points whose
  responsible unit, at the visit, is that unit): a sum over visits, not a mean of visit scores.
- Criterion rate = 1 − Σ deducted(criterion) ÷ (criterion's points × the mock's visits it applies
  to: to points of a kind it names, whose responsible unit at the visit lies under a unit its
  standard is bound to, as for the visit's points possible). The criteria listed are those in
  force for the mock's unit (standards bound to it or an ancestor), those in force lower down that
  applied to a visit, and any other criterion a finding of the mock names. So the criteria's
  points possible add up to the visits' while the standards are unchanged since the visits.
- Category rate = 1 − Σ deducted ÷ Σ possible over its criteria.
- Change = this mock's rate − the previous mock's (same campaign and unit, started before), in
  percentage points; none when there is no previous mock or the row was not in it.

Rates are computed exactly (fractions) and rounded half-up once, to 0.1, when shown.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.utils.translation import gettext_lazy as _

from campaign import tree
from campaign.models import Criterion, Standard
from inspections.enums import RoundKind
from inspections.models import Finding, InspectionRound
from inspections.rounding import round_half_up

# The points that lost most, listed.
TOP_POINTS = 10

# What the page and the .docx say about the rates (the module's docstring, for people).
DEFINITIONS = [
    _("Score rate = 1 − points deducted ÷ points possible. A visit's points possible are those "
      "of the criteria in force that apply to the point's kind; each finding deducts its "
      "criterion's points."),
    _("Overall and by unit: summed over the mock's visits (to points of that responsible "
      "unit), not a mean of visit scores."),
    _("By criterion: points possible = its points × the mock's visits it applies to (to "
      "points of a kind it names, under a unit its standard is bound to); points deducted = "
      "its findings' points. By category: summed over its criteria."),
    _("Change: percentage points against the previous mock evaluation of the same unit; “—” "
      "when there is none."),
    _("Mock visits count in no monthly score or ranking."),
]


def score_rate(deducted: Decimal, possible: Decimal) -> Fraction | None:
    """1 − deducted ÷ possible, exactly; None when nothing was possible."""
    if not possible:
        return None
    return 1 - Fraction(deducted) / Fraction(possible)


def percent(rate: Fraction | None) -> Decimal | None:
    return None if rate is None else round_half_up(100 * rate, 1)


@dataclass
class Line:
    """One row of a table: what was possible, what was deducted, the rate and its change."""

    key: object
    label: str
    possible: Decimal
    deducted: Decimal
    visits: int = 0
    group: str = ""
    code: str = ""
    rate: Fraction | None = field(init=False)
    change: Decimal | None = None

    def __post_init__(self) -> None:
        self.rate = score_rate(self.deducted, self.possible)

    @property
    def percent(self) -> Decimal | None:
        return percent(self.rate)


@dataclass
class MockReport:
    mock: InspectionRound
    drawn: int
    visited: int
    overall: Line
    criteria: list[Line]
    categories: list[Line]
    units: list[Line]
    top_points: list[Line]
    previous: InspectionRound | None = None


def previous_mock(mock: InspectionRound) -> InspectionRound | None:
    """The mock of the same campaign and unit that started last before this one."""
    return (
        InspectionRound.objects.filter(campaign_id=mock.campaign_id, unit_id=mock.unit_id,
                                       kind=RoundKind.MOCK)
        .filter(Q(starts_on__lt=mock.starts_on) | Q(starts_on=mock.starts_on, pk__lt=mock.pk))
        .select_related("unit").order_by("-starts_on", "-pk").first()
    )


def _sum(value) -> Decimal:
    return value if value is not None else Decimal(0)


def build_report(mock: InspectionRound, *, compare: bool = True) -> MockReport:
    """The report from SQL aggregates: a fixed number of queries whatever the number of visits
    (and as many again for the previous mock)."""
    visits = mock.inspections.all()
    totals = visits.aggregate(possible=Sum("points_possible"), deducted=Sum("points_deducted"),
                              visits=Count("pk"), points=Count("point", distinct=True))
    overall = Line("all", "", _sum(totals["possible"]), _sum(totals["deducted"]),
                   totals["visits"])
    # The visits by responsible unit and point kind: what a criterion applies to is decided
    # per visit, as the visit's points possible were (inspections.services.applicable_criteria):
    # a kind the criterion names, under a unit its standard is bound to.
    groups = list(visits.values_list("unit__path", "point__kind").annotate(n=Count("pk"))
                  .order_by())
    above = set(tree.parse(mock.unit.path))
    reached = above.union(*(tree.parse(path) for path, _kind, _n in groups))
    lost = {
        row["criterion"]: (row["deducted"], row["findings"])
        for row in Finding.objects.filter(inspection__round=mock).values("criterion")
        .annotate(deducted=Sum("points"), findings=Count("pk")).order_by()
    }
    in_force = Criterion.objects.in_force().filter(
        category__standard__campaign_id=mock.campaign_id,
        category__standard__units__pk__in=reached)
    in_force_q = Q(pk__in=in_force.values("pk"))
    criteria = list(
        Criterion.objects.filter(in_force_q | Q(pk__in=list(lost)))
        # Whether in force, by the queryset's own rule (CriterionQuerySet.in_force), in the query.
        .annotate(is_in_force=ExpressionWrapper(in_force_q, output_field=BooleanField()))
        .select_related("category__standard").order_by(
            "category__standard_id", "category__order", "category_id", "order", "pk")
    )
    bound: dict[int, set[int]] = defaultdict(set)
    for standard_id, unit_id in Standard.units.through.objects.filter(
            standard_id__in={criterion.category.standard_id for criterion in criteria}
    ).values_list("standard_id", "unit_id"):
        bound[standard_id].add(unit_id)
    criterion_lines = []
    category_totals: dict[int, list] = {}
    for criterion in criteria:
        bound_to = bound[criterion.category.standard_id]
        applies = sum(n for path, kind, n in groups
                      if criterion.applies_to(kind) and bound_to.intersection(tree.parse(path)))
        deducted, findings = lost.get(criterion.pk, (Decimal(0), 0))
        # Listed when in force for the mock's whole subtree, or when it counted somewhere
        # (a standard bound lower down, to a unit that was visited).
        if not (applies or findings or (bound_to & above and criterion.is_in_force)):
            continue
        line = Line(criterion.pk, criterion.name, criterion.points * applies, deducted,
                    visits=findings, group=criterion.category.name)
        criterion_lines.append(line)
        entry = category_totals.setdefault(
            criterion.category_id, [criterion.category.name, Decimal(0), Decimal(0), 0])
        entry[1] += line.possible
        entry[2] += line.deducted
        entry[3] += findings
    categories = [Line(pk, name, possible, deducted, visits=findings)
                  for pk, (name, possible, deducted, findings) in category_totals.items()]
    units = [
        Line(row["unit"], row["unit__name"], _sum(row["possible"]), _sum(row["deducted"]),
             row["visits"], code=row["unit__path"])
        for row in visits.values("unit", "unit__name", "unit__path")
        .annotate(possible=Sum("points_possible"), deducted=Sum("points_deducted"),
                  visits=Count("pk")).order_by("unit__path")
    ]
    top_points = [
        Line(row["point"], row["point__name"], _sum(row["possible"]), _sum(row["deducted"]),
             row["visits"], group=row["unit__name"], code=row["point__code"])
        for row in visits.values("point", "point__name", "point__code", "unit__name")
        .annotate(possible=Sum("points_possible"), deducted=Sum("points_deducted"),
                  visits=Count("pk")).filter(deducted__gt=0)
        .order_by("-deducted", "point__code", "point")[:TOP_POINTS]
    ]
    report = MockReport(mock=mock, drawn=mock.points.count(), visited=totals["points"],
                        overall=overall, criteria=criterion_lines, categories=categories,
                        units=units, top_points=top_points)
    if compare:
        report.previous = previous_mock(mock)
        if report.previous is not None:
            _compare(report, build_report(report.previous, compare=False))
    return report


def _compare(report: MockReport, before: MockReport) -> None:
    """Each row's change in percentage points against the same row of `before`."""
    def changes(lines: list[Line], earlier: list[Line]) -> None:
        rates = {line.key: line.rate for line in earlier}
        for line in lines:
            old = rates.get(line.key)
            if line.rate is not None and old is not None:
                line.change = round_half_up(100 * (line.rate - old), 1)

    changes([report.overall], [before.overall])
    changes(report.criteria, before.criteria)
    changes(report.categories, before.categories)
    changes(report.units, before.units)
    # A point's change: against its own visits in the previous mock, when it was drawn then.
    changes(report.top_points, [
        Line(row["point"], "", _sum(row["possible"]), _sum(row["deducted"]))
        for row in before.mock.inspections.filter(point__in=[line.key for line in report.top_points])
        .values("point").annotate(possible=Sum("points_possible"), deducted=Sum("points_deducted"))
        .order_by()
    ])
