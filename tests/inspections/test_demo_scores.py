import pytest
from django.core.management import call_command

from campaign.demo import create_demo_accounts
from campaign.models import Unit
from campaign.periods import Month
from inspections.demo_scores import create_demo_scores
from inspections.models import Bulletin, Inspection, Rectification
from inspections.rankings.queries import compute_month


@pytest.mark.django_db
def test_demo_leaves_published_and_draft_months_with_ties_unranked_and_flagged():
    call_command("load_seeds", verbosity=0)
    create_demo_accounts()
    report = create_demo_scores()
    assert report[-1].endswith("2020-11: draft")
    xhl = Unit.objects.get(key="ty-xhl")
    assert sorted(str(b.month)[:7] for b in Bulletin.objects.filter(parent=xhl)) == [
        "2020-08", "2020-09", "2020-10"]
    draft = compute_month(xhl.campaign, Month(2020, 11), xhl)
    streets = draft.lines_of("street")
    ranks = [line.standing.rank for line in streets if line.standing.ranked]
    assert len(ranks) != len(set(ranks))                                   # a tie
    assert [line.unit.name for line in streets if not line.standing.ranked] == ["小返乡"]
    assert [line.unit.name for line in streets if line.standing.flagged] == ["中涧河乡"]
    october = Bulletin.objects.get(parent=xhl, month="2020-10-01")
    assert october.scores.get(unit__key="xhl-zjh").flagged
    counts = (Inspection.objects.count(), Rectification.objects.count(), Bulletin.objects.count())
    create_demo_scores()
    assert (Inspection.objects.count(), Rectification.objects.count(), Bulletin.objects.count()) == counts
