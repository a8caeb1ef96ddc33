from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    HEADQUARTERS = "headquarters", _("Headquarters")
    SUB_COMMAND = "sub_command", _("Sub-command")
    WORK_GROUP = "work_group", _("Work group")
    COORDINATION_OFFICE = "coordination_office", _("Coordination office")
    DISTRICT = "district", _("District / county")
    STREET = "street", _("Street / township")
    LANE_OFFICE = "lane_office", _("Lane-chief office")
    COMMUNITY = "community", _("Community")
    DEPARTMENT = "department", _("Department")


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    INSPECTOR = "inspector", _("Inspector")
    UNIT_STAFF = "unit_staff", _("Unit staff")
    LEADER = "leader", _("Leader")


class PointKind(models.TextChoices):
    MAIN_ROAD = "main_road", _("Main road")
    BACK_STREET = "back_street", _("Back street")
    OLD_COMPOUND = "old_compound", _("Old residential compound")
    MARKET = "market", _("Market")
    PUBLIC_PLACE = "public_place", _("Public place")
    STATION = "station", _("Transport station")
    SCHOOL_AREA = "school_area", _("School surroundings")
    CONSTRUCTION_SITE = "construction_site", _("Construction site")


class DeadlineDays(models.IntegerChoices):
    SAME_DAY = 0, _("Same day")
    ONE_DAY = 1, _("1 day")
    THREE_DAYS = 3, _("3 days")
    SEVEN_DAYS = 7, _("7 days")
    FIFTEEN_DAYS = 15, _("15 days")
    THIRTY_DAYS = 30, _("30 days")


class TaskCategory(models.TextChoices):
    BACK_STREET = "back_street", _("Back streets")
    OLD_COMPOUND = "old_compound", _("Old residential compounds")
    MARKET = "market", _("Markets")
    MAIN_ROAD = "main_road", _("Main roads")
    CITY_APPEARANCE = "city_appearance", _("City appearance")
    INFRASTRUCTURE = "infrastructure", _("Public facilities")
    CIVILITY = "civility", _("Civic manners")
    OTHER = "other", _("Other")


class TaskStatus(models.TextChoices):
    """Derived, never stored: see campaign.tasks.services.task_status for the rule."""

    OVERDUE = "overdue", _("Overdue")
    BEHIND = "behind", _("Behind")
    ON_TRACK = "on_track", _("On track")
    DONE = "done", _("Done")


# issue 11: counting days
class DayCount(models.TextChoices):
    """How a period is counted: every calendar day, or China's working days (工作日: official
    holidays and 调休 make-up days, plus the campaign's own days off; see campaign.calendar)."""

    NATURAL = "natural", _("natural days")
    WORKING = "working", _("working days")
