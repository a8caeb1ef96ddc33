"""督办: what is due to be said, to whom, now. `manage.py supervise` runs `supervise()` every few
minutes; each producer below yields the reminders of one rule for one campaign, and
campaign.notifications.services.notify records each once per recipient (its key), so running
again, or twice at once, never tells anybody twice."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from campaign.calendar import WorkingCalendar
from campaign.models import Campaign, User
from campaign.notifications.services import Message
from campaign.people import People
from inspections.models import SupervisionRules


@dataclass
class Round:
    """One campaign's share of one run: its rules, calendar and people, read once."""

    campaign: Campaign
    rules: SupervisionRules
    calendar: WorkingCalendar  # strict=False: an unknown year is counted Monday–Friday, reported
    people: People
    now: dt.datetime
    # Events before this moment were looked at by an earlier run (see supervise()).
    since: dt.datetime


# A producer yields (message, recipients) for one rule; the list is the whole of supervision.
Producer = Callable[[Round], Iterable[tuple[Message, list[User]]]]
PRODUCERS: list[Producer] = []
