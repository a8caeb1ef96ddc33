import io
import json

import pytest
from django.core.management import call_command
from django.db.models import F

from campaign.demo import create_demo_accounts
from campaign.models import Unit
from campaign.periods import Month
from inspections.demo_scores import create_demo_scores
from inspections.models import Bulletin, Finding, Inspection, Rectification
from inspections.rankings.queries import compute_month
from inspections.services import applicable_criteria, points_possible

# Each published month's street ranking as `manage.py rankings` prints it: unit, monthly score,
# rank (None: not ranked). By hand, 涧河街道 in 2020-08: its back street (28 points possible)
# loses 1, its old compound (16) 1, its market (18) 1, so the inspection score is
# (100 × 27/28 + 100 × 15/16 + 100 × 17/18) / 3 = 94.8743…; its 3 items were all fixed on time,
# so 0.8 × 94.8743… + 0.2 × 100 × 3/3 = 95.8995… → 95.90.
RANKINGS = {
    "2020-08": [
        ("涧河街道", "95.90", 1), ("巨轮街道", "93.47", 2), ("敦化坊街道", "93.47", 2),
        ("坝陵桥街道", "85.13", 4), ("三桥街道", "84.37", 5), ("鼓楼街道", "84.37", 5),
        ("杨家峪街道", "84.37", 5), ("杏花岭街道", "83.41", 8), ("大东关街道", "71.93", 9),
        ("职工新村街道", "70.03", 10), ("中涧河乡", "55.16", 11), ("小返乡", "96.07", None),
    ],
    "2020-09": [
        ("敦化坊街道", "94.42", 1), ("三桥街道", "93.47", 2), ("涧河街道", "93.47", 2),
        ("坝陵桥街道", "85.85", 4), ("巨轮街道", "85.13", 5), ("鼓楼街道", "84.37", 6),
        ("杏花岭街道", "84.37", 6), ("杨家峪街道", "83.41", 8), ("大东关街道", "74.75", 9),
        ("职工新村街道", "70.03", 10), ("中涧河乡", "59.26", 11), ("小返乡", "96.07", None),
    ],
    "2020-10": [
        ("涧河街道", "95.90", 1), ("巨轮街道", "94.42", 2), ("敦化坊街道", "93.47", 3),
        ("三桥街道", "85.85", 4), ("鼓楼街道", "85.13", 5), ("杏花岭街道", "84.37", 6),
        ("坝陵桥街道", "84.37", 6), ("大东关街道", "84.37", 6), ("职工新村街道", "74.75", 9),
        ("杨家峪街道", "74.75", 9), ("中涧河乡", "59.26", 11), ("小返乡", "96.07", None),
    ],
}


def _rankings(month: str, format: str) -> str:
    out = io.StringIO()
    call_command("rankings", month, parent="ty-xhl", format=format, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_leaves_published_and_draft_months_with_ties_unranked_and_flagged():
    call_command("load_seeds", verbosity=0)
    create_demo_accounts()
    report = create_demo_scores()
    assert report[-1].endswith("2020-11: draft")
    xhl = Unit.objects.get(key="ty-xhl")
    assert sorted(str(b.month)[:7] for b in Bulletin.objects.filter(parent=xhl)) == [
        "2020-08", "2020-09", "2020-10"]
    for month, expected in RANKINGS.items():
        printed = json.loads(_rankings(month, "json"))
        assert printed["status"] == "published revision 1"
        streets = [row for row in printed["rows"] if row["kind"] == "street"]
        assert [(row["unit"], row["score"], row["rank"] if row["ranked"] else None)
                for row in streets] == expected, month
        assert [(row["unit"], row["streak"]) for row in streets if row["flagged"]] == (
            [("中涧河乡", 3)] if month == "2020-10" else [])
    assert "中涧河乡  [flagged: bottom 3 months running]" in _rankings("2020-10", "table")

    draft = compute_month(xhl.campaign, Month(2020, 11), xhl)
    streets = draft.lines_of("street")
    ranks = [line.standing.rank for line in streets if line.standing.ranked]
    assert len(ranks) != len(set(ranks))                                   # a tie
    assert [line.unit.name for line in streets if not line.standing.ranked] == ["小返乡"]
    assert [(line.unit.name, line.standing.streak) for line in streets if line.standing.flagged] == [
        ("中涧河乡", 4)]
    october = Bulletin.objects.get(parent=xhl, month="2020-10-01")
    assert october.scores.get(unit__key="xhl-zjh").flagged
    counts = (Inspection.objects.count(), Rectification.objects.count(), Bulletin.objects.count())
    create_demo_scores()
    assert (Inspection.objects.count(), Rectification.objects.count(), Bulletin.objects.count()) == counts


@pytest.mark.django_db
def test_demo_findings_apply_where_they_belong_and_deduct_their_criterion_points():
    call_command("load_seeds", verbosity=0)
    create_demo_accounts()
    create_demo_scores()
    visits = list(Inspection.objects.select_related("point__unit"))
    assert len(visits) == 11 * 3 * 4 + 2 * 4
    for visit in visits:
        applicable = {criterion.pk for criterion in applicable_criteria(visit.point)}
        findings = list(visit.findings.select_related("criterion"))
        assert visit.points_possible == points_possible(visit.point), visit.point.code
        assert {finding.criterion_id for finding in findings} <= applicable, visit.point.code
        assert visit.points_deducted == sum(finding.points for finding in findings)
    assert not Finding.objects.exclude(points=F("criterion__points")).exists()
    # Each item is its finding's: for the point's unit, with its criterion, titled by both.
    items = Rectification.objects.select_related("finding__criterion", "point", "criterion")
    assert items.count() == Finding.objects.count() == 196
    for item in items:
        assert item.finding is not None and item.criterion == item.finding.criterion
        assert item.unit_id == item.point.unit_id
        assert item.title == f"{item.point.name}：{item.criterion.name}"
        assert "演示整改事项" not in item.title and "名称未见于资料" not in item.title
