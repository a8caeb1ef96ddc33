"""Working days (工作日) on China's calendar, and the deadlines counted in them.

A day is a working day as China's official calendar says (public holidays off, 调休 make-up
days on), from the `chinesecalendar` package, unless the campaign's own table (CalendarDay) says
otherwise: a local day off, or a day of a year the package does not know that a coordinator has
entered (CalendarYear marks such a year as entered; its other days follow Monday to Friday).

A year neither knows raises UnknownYear: never a silent guess. Pages that count working days show
`unknown_years()` as a warning; the scheduler, which must go on, counts such a year Monday to
Friday and reports it (`WorkingCalendar(strict=False)`, then `guessed_years`).

Deadlines are the end of a day (23:59:59) in the campaign's time zone: `end_of_day`,
`add_days` (natural days) and `add_working_days`; `deadline_after` picks by DayCount.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable

import chinese_calendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaign.enums import DayCount
from campaign.models import CalendarDay, CalendarYear, Campaign, User
from campaign.permissions import can_edit_calendar

# The longest period counted, in days either way: a year. Keeps every count a bounded loop.
MAX_DAYS = 366

END_OF_DAY = dt.time(23, 59, 59)


class UnknownYear(ValueError):
    """Neither the package nor the campaign's table knows the year's holidays."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(unknown_year_message(year))


def unknown_year_message(year: int) -> str:
    return _(
        "China's holidays for %(year)s are not known to this app yet: working days of %(year)s "
        "cannot be counted. A coordinator of the campaign can enter that year's days off and "
        "make-up working days on the working-day calendar page."
    ) % {"year": year}


def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def campaign_zone(campaign: Campaign | None) -> dt.tzinfo:
    if campaign is not None:
        try:
            return zoneinfo.ZoneInfo(campaign.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def end_of_day(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """23:59:59 of `day` in `zone`: how deadlines are given."""
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=zone)


class WorkingCalendar:
    """One campaign's working days: the package plus its table, read once (a few rows a year).

    `strict=False` is for the scheduler: an unknown year is counted Monday to Friday and added to
    `guessed_years`, so the caller can say so instead of stopping."""

    def __init__(self, campaign: Campaign | None = None, *, strict: bool = True):
        self.campaign = campaign
        self.zone = campaign_zone(campaign)
        self.strict = strict
        self.guessed_years: set[int] = set()
        if campaign is not None and campaign.pk:
            self.days = dict(
                CalendarDay.objects.filter(campaign=campaign).values_list("day", "is_working_day")
            )
            self.entered_years = set(
                CalendarYear.objects.filter(campaign=campaign).values_list("year", flat=True)
            )
        else:
            self.days, self.entered_years = {}, set()

    def knows(self, year: int) -> bool:
        return year in self.entered_years or package_knows(year)

    def unknown_years(self, years: Iterable[int]) -> list[int]:
        return sorted({year for year in years if not self.knows(year)})

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.days:
            return self.days[day]
        if day.year in self.entered_years:
            return day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if self.strict:
                raise UnknownYear(day.year) from None
            self.guessed_years.add(day.year)
            return day.weekday() < 5

    def local_day(self, moment: dt.datetime) -> dt.date:
        return timezone.localtime(moment, self.zone).date()

    def add_working_days(self, moment: dt.datetime, n: int) -> dt.datetime:
        """The end of the n-th working day after `moment`'s day, in the campaign's time zone;
        n = 0: the end of that day if it is a working day, else of the next working day."""
        if not 0 <= n <= MAX_DAYS:
            raise ValueError(f"n must be between 0 and {MAX_DAYS}")
        day = self.local_day(moment)
        counted = 0
        if n == 0:
            # A year holds at most a few weeks of days off in a row; the bound keeps a bad table
            # (every day off) from looping forever.
            for _step in range(MAX_DAYS):
                if self.is_working_day(day):
                    break
                day += dt.timedelta(days=1)
        else:
            for _step in range(MAX_DAYS * 2):
                day += dt.timedelta(days=1)
                if self.is_working_day(day):
                    counted += 1
                    if counted == n:
                        break
        return end_of_day(day, self.zone)

    def add_days(self, moment: dt.datetime, n: int) -> dt.datetime:
        """The end of the day n natural days after `moment`'s day (0: the same day)."""
        if not 0 <= n <= MAX_DAYS:
            raise ValueError(f"n must be between 0 and {MAX_DAYS}")
        return end_of_day(self.local_day(moment) + dt.timedelta(days=n), self.zone)

    def deadline_after(self, moment: dt.datetime, n: int, count: str) -> dt.datetime:
        if count == DayCount.WORKING:
            return self.add_working_days(moment, n)
        return self.add_days(moment, n)

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working days that have ended after `start` and by `end`: how long something has been
        overdue (an item due on Friday evening is one working day overdue at Monday's end).
        Counted up to MAX_DAYS."""
        first = self.local_day(start)
        last = self.local_day(end)
        # A day counts once it is over: `end`'s own day only at its very end.
        if timezone.localtime(end, self.zone).time() < END_OF_DAY:
            last -= dt.timedelta(days=1)
        days, count = (last - first).days, 0
        for offset in range(1, min(days, MAX_DAYS) + 1):
            if self.is_working_day(first + dt.timedelta(days=offset)):
                count += 1
        return count


def is_working_day(day: dt.date, campaign: Campaign | None = None) -> bool:
    return WorkingCalendar(campaign).is_working_day(day)


def add_working_days(moment: dt.datetime, n: int, campaign: Campaign | None = None) -> dt.datetime:
    return WorkingCalendar(campaign).add_working_days(moment, n)


def describe(n: int, count: str) -> str:
    """How a period reads beside a date: "3 个工作日", "3 天"."""
    if count == DayCount.WORKING:
        return ngettext("%(n)d working day", "%(n)d working days", n) % {"n": n}
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


class Period:
    """N natural or working days: how a deadline or a due date was counted, kept beside it."""

    __slots__ = ("count", "days")

    def __init__(self, days: int, count: str):
        if not 0 <= days <= MAX_DAYS:
            raise ValueError(f"days must be between 0 and {MAX_DAYS}")
        if count not in DayCount.values:
            raise ValueError(f"unknown day count {count!r}")
        self.days, self.count = days, count

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Period) and (self.days, self.count) == (other.days, other.count)

    def __hash__(self) -> int:
        return hash((self.days, self.count))

    def __repr__(self) -> str:
        return f"Period({self.days}, {self.count!r})"

    def __str__(self) -> str:
        return describe(self.days, self.count)


def counted_from(calendar: WorkingCalendar, moment: dt.datetime, period: Period) -> dt.datetime:
    """The end of the period counted from `moment` (raises UnknownYear for a year not known)."""
    return calendar.deadline_after(moment, period.days, period.count)


def day_after(calendar: WorkingCalendar, day: dt.date, period: Period) -> dt.date:
    """The last day of the period counted from `day` (a due date counted from a start date)."""
    return calendar.local_day(counted_from(calendar, end_of_day(day, calendar.zone), period))


# Pages that count working days warn when the coming days fall in a year nobody can answer for.
WARNING_DAYS = 60


class CalendarWarning:
    """The warning a page shows: the campaign, the years it cannot count, and whether the person
    may enter them (a coordinator of the campaign's office, who gets the link)."""

    def __init__(self, campaign: Campaign, years: list[int], *, may_enter: bool):
        self.campaign, self.years, self.may_enter = campaign, years, may_enter
        self.messages = [unknown_year_message(year) for year in years]


def calendar_warnings(campaigns: Iterable[Campaign], now: dt.datetime,
                      user: User | None = None) -> list[CalendarWarning]:
    """For each campaign whose calendar cannot answer for a day of the coming WARNING_DAYS
    days, a warning (templates/includes/_calendar_warning.html shows them). Costs no query
    while the package knows those years."""
    warnings = []
    for campaign in campaigns:
        zone = campaign_zone(campaign)
        first = timezone.localtime(now, zone).date()
        years = {first.year, (first + dt.timedelta(days=WARNING_DAYS)).year}
        if all(package_knows(year) for year in years):
            continue
        unknown = WorkingCalendar(campaign).unknown_years(years)
        if unknown:
            may_enter = user is not None and can_edit_calendar(user, campaign)
            warnings.append(CalendarWarning(campaign, unknown, may_enter=may_enter))
    return warnings
