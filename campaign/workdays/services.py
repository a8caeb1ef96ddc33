"""Changes to a campaign's working-day calendar (campaign.calendar reads it): its own days
(local days off, extra working days, the days of a year the package does not know) and the
years marked as entered by hand. Only the campaign's office changes them."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.calendar import campaign_zone, package_knows
from campaign.models import CalendarDay, CalendarYear, Campaign, User
from campaign.permissions import can_edit_calendar

# A year holds some 30 days that differ from Monday to Friday (holidays and make-up days);
# 100 leaves room for local days off and keeps the table (read whole per count) small.
MAX_DAYS_A_YEAR = 100
MAX_NOTE = 120


class CalendarError(Exception):
    """A change refused; the message is for the person."""


def allowed_years(campaign: Campaign) -> range:
    """The years whose days may be entered: the campaign's own and one either side, and always
    this year and the next (a campaign still supervised after its period must be able to enter
    the coming year)."""
    this_year = timezone.localtime(timezone.now(), campaign_zone(campaign)).year
    return range(min(campaign.start.year - 1, this_year), max(campaign.end.year + 1, this_year + 1) + 1)


def _check(campaign: Campaign, by: User) -> None:
    if not can_edit_calendar(by, campaign):
        raise CalendarError(_("Only the campaign office may change its working-day calendar."))


def _check_year(campaign: Campaign, year: int) -> None:
    years = allowed_years(campaign)
    if year not in years:
        raise CalendarError(_("Enter days of %(first)s to %(last)s only: the campaign's years, one "
                              "either side, this year and the next.")
                            % {"first": years[0], "last": years[-1]})


@transaction.atomic
def add_calendar_day(campaign: Campaign, *, day: dt.date, is_working_day: bool, note: str = "",
                     by: User) -> CalendarDay:
    """Add a day the campaign counts differently (or change how an entered day counts)."""
    _check(campaign, by)
    _check_year(campaign, day.year)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise CalendarError(_("The note can be at most %(max)s characters.") % {"max": MAX_NOTE})
    # The campaign's row is locked so two offices adding at once cannot pass the bound together.
    Campaign.objects.select_for_update().get(pk=campaign.pk)
    existing = CalendarDay.objects.filter(campaign=campaign, day=day).first()
    if existing is None:
        count = CalendarDay.objects.filter(campaign=campaign, day__year=day.year).count()
        if count >= MAX_DAYS_A_YEAR:
            raise CalendarError(_("%(year)s already has %(max)s days entered: remove one first.")
                                % {"year": day.year, "max": MAX_DAYS_A_YEAR})
        return CalendarDay.objects.create(campaign=campaign, day=day,
                                          is_working_day=is_working_day, note=note)
    existing.is_working_day, existing.note = is_working_day, note
    existing.save(update_fields=["is_working_day", "note"])
    return existing


@transaction.atomic
def remove_calendar_day(campaign: Campaign, *, day: dt.date, by: User) -> None:
    _check(campaign, by)
    deleted, _rows = CalendarDay.objects.filter(campaign=campaign, day=day).delete()
    if not deleted:
        raise CalendarError(_("%(day)s is not among the campaign's days.") % {"day": day})


@transaction.atomic
def mark_year_entered(campaign: Campaign, *, year: int, by: User) -> CalendarYear:
    """The year's holidays and make-up days are all entered: from now on its working days are
    counted from them (other days Monday to Friday) instead of refused."""
    _check(campaign, by)
    _check_year(campaign, year)
    if package_knows(year):
        raise CalendarError(_("China's calendar for %(year)s is already known to the app: "
                              "there is nothing to enter by hand.") % {"year": year})
    if CalendarYear.objects.filter(campaign=campaign, year=year).exists():
        raise CalendarError(_("%(year)s is already marked as entered.") % {"year": year})
    if not CalendarDay.objects.filter(campaign=campaign, day__year=year).exists():
        raise CalendarError(_("Enter the holidays and make-up working days of %(year)s first, "
                              "then mark the year as entered.") % {"year": year})
    return CalendarYear.objects.create(campaign=campaign, year=year, entered_by=by)


@transaction.atomic
def unmark_year_entered(campaign: Campaign, *, year: int, by: User) -> None:
    """Undo the mark: the year's working days are refused again until it is marked."""
    _check(campaign, by)
    deleted, _rows = CalendarYear.objects.filter(campaign=campaign, year=year).delete()
    if not deleted:
        raise CalendarError(_("%(year)s is not marked as entered.") % {"year": year})
