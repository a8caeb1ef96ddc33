"""Publishing and correcting a month's bulletin, and changing the scoring settings: the writes
of the rankings. A revision freezes what `queries.compute_month()` computes at that moment, with
the settings in force; everything a published month shows is read back from those frozen rows.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.audit.recorders import record_update
from campaign.calendar import campaign_zone
from campaign.documents.numbers import bulletin_prefix, document_code
from campaign.models import Campaign, Unit, User
from campaign.periods import Month
from inspections.models import Bulletin, BulletinSequence, MonthlyScore, ScoringSettingsChange, take_number
from inspections.rankings.queries import MonthResult, compute_month, loss_details


class BulletinError(Exception):
    pass


def _settings_of(source: Campaign | Bulletin) -> dict:
    return {name: getattr(source, name) for name in Campaign.SCORING_SETTINGS}


def _freeze(bulletin: Bulletin, result: MonthResult, details: dict[int, dict]) -> None:
    sizes: dict[str, int] = defaultdict(int)
    for line in result.lines:
        if line.standing.ranked:
            sizes[line.unit.kind] += 1
    MonthlyScore.objects.bulk_create([
        MonthlyScore(
            bulletin=bulletin, campaign=bulletin.campaign, month=bulletin.month, unit=line.unit,
            parent=bulletin.parent, kind=line.unit.kind, visits=s.visits,
            inspection_score=s.inspection_score, due=s.due, on_time=s.on_time,
            recurrences=s.recurrences, score=s.score,
            ranked=s.ranked, rank=s.rank, previous_rank=s.previous_rank,
            group_size=sizes[line.unit.kind], in_top=s.in_top, in_bottom=s.in_bottom,
            streak=s.streak, flagged=s.flagged, details=details.get(line.unit.pk, {}),
        )
        for line in result.lines
        for s in [line.standing]
    ])


def _number(campaign: Campaign, issuer: Unit, now: dt.datetime) -> dict:
    """The document number of a revision published now: the issuer's next of the year (the
    counter row stays locked until the publication commits). Two units whose prefixes read the
    same never give the same code: a code already held is skipped."""
    year = timezone.localtime(now, campaign_zone(campaign)).year
    prefix = bulletin_prefix(issuer)
    number, code = take_number(
        BulletinSequence, {"issuer": issuer, "year": year},
        lambda n: document_code(prefix, year, n),
        lambda code: Bulletin.objects.filter(campaign=campaign, code=code).exists())
    return {"year": year, "number": number, "code": code}


def _check_publishable(campaign: Campaign, month: Month, parent: Unit, now: dt.datetime) -> None:
    if parent.campaign_id != campaign.pk:
        raise BulletinError(_("This unit belongs to another campaign."))
    if month.bounds(campaign.time_zone)[1] > now:
        raise BulletinError(_("%(month)s has not ended yet: it can be published once it is over.")
                            % {"month": month})


def publish_bulletin(
    campaign: Campaign, month: Month, parent: Unit, *, by: User | None,
    now: dt.datetime | None = None,
) -> tuple[Bulletin, bool]:
    """Freeze the month's rankings of `parent`'s children as revision 1. Idempotent: when the
    month is already published, the current revision is returned and nothing changes; two
    publishers at once end with one revision (the partial unique constraint decides)."""
    now = now or timezone.now()
    _check_publishable(campaign, month, parent, now)
    with transaction.atomic():
        current = Bulletin.objects.select_for_update().filter(
            parent=parent, month=month.first_day, is_current=True
        ).first()
        if current is not None:
            return current, False
        try:
            with transaction.atomic():
                bulletin = Bulletin.objects.create(
                    campaign=campaign, parent=parent, month=month.first_day, revision=1,
                    published_by=by, published_at=now, **_settings_of(campaign),
                    **_number(campaign, parent, now),
                )
        except IntegrityError:
            return Bulletin.objects.get(parent=parent, month=month.first_day, is_current=True), False
        _freeze(bulletin, compute_month(campaign, month, parent, now=now, fresh=True),
                loss_details(campaign, month, parent, per_child=True, now=now, fresh=True))
    return bulletin, True


def revise_bulletin(
    bulletin: Bulletin, *, by: User | None, reason: str, now: dt.datetime | None = None
) -> Bulletin:
    """Publish a correction: a new revision computed from today's data, with a reason and a
    document number of its own (a corrected bulletin is a new document that names the one it
    corrects). The revision it replaces stays stored and readable."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise BulletinError(_("A correction needs a reason."))
    campaign = bulletin.campaign
    month = Month.of(bulletin.month)
    with transaction.atomic():
        current = Bulletin.objects.select_for_update().filter(
            parent_id=bulletin.parent_id, month=bulletin.month, is_current=True
        ).first()
        if current is None or current.pk != bulletin.pk:
            raise BulletinError(_("This bulletin has been revised meanwhile: open the current "
                                  "revision and try again."))
        Bulletin.objects.filter(pk=current.pk).update(is_current=False)
        record_update(current, {"is_current": (True, False)})
        revision = Bulletin.objects.create(
            campaign=campaign, parent=current.parent, month=current.month,
            revision=current.revision + 1, reason=reason, published_by=by, published_at=now,
            **_settings_of(campaign), **_number(campaign, current.parent, now),
        )
        _freeze(revision, compute_month(campaign, month, current.parent, now=now, fresh=True),
                loss_details(campaign, month, current.parent, per_child=True, now=now, fresh=True))
    return revision


def _setting_text(name: str, value) -> str:
    field = Campaign._meta.get_field(name)
    if (places := getattr(field, "decimal_places", None)) is not None:
        return f"{Decimal(value):.{places}f}"
    return str(value)


@transaction.atomic
def update_scoring_settings(
    campaign: Campaign, values: dict, *, by: User, now: dt.datetime | None = None
) -> list[ScoringSettingsChange]:
    """Change the weights, minimum sample, N, K, the recurrence deduction and window, and the
    photo distance, and record each setting changed (who, when, old, new). Published bulletins
    keep the scoring settings they were published with; drafts use the new ones at once. Returns
    the changes recorded (none when nothing changed). A setting missing from `values` stays as
    stored."""
    now = now or timezone.now()
    fields = Campaign.RULE_SETTINGS
    # The stored values, locked: a ModelForm has already written the new ones on `campaign`.
    stored = Campaign.objects.select_for_update().only(*fields).get(pk=campaign.pk)
    values = {name: values.get(name, getattr(stored, name)) for name in fields}
    changes = [
        ScoringSettingsChange(
            campaign=campaign, changed_by=by, changed_at=now, field=name,
            old=_setting_text(name, getattr(stored, name)), new=_setting_text(name, values[name]),
        )
        for name in fields if getattr(stored, name) != values[name]
    ]
    for name in fields:
        setattr(campaign, name, values[name])
    if changes:
        campaign.save(update_fields=fields)
        ScoringSettingsChange.objects.bulk_create(changes)
    return changes
