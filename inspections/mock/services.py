"""Starting a mock evaluation: a round of kind "mock" over a coordinator's subtree, its points
drawn by the rounds' sampler stratified by point kind."""

import datetime as dt

from django.utils.translation import gettext as _

from campaign.models import Unit, User
from inspections import permissions
from inspections.enums import RoundKind
from inspections.models import InspectionRound
from inspections.services import InspectionError, plan_round

# Points a mock evaluation may draw (a real evaluation samples a few hundred).
MAX_SAMPLE = 2000


def start_mock_evaluation(
    *, unit: Unit, name: str, starts_on: dt.date, ends_on: dt.date, sample_size: int, by: User,
    seed: int | None = None,
) -> InspectionRound:
    """Start a mock evaluation over `unit`'s subtree within the campaign's dates; the seed is
    drawn when not given and recorded."""
    if not permissions.can_start_mock_evaluation(by, unit):
        raise InspectionError(_("You may not start a mock evaluation for %(unit)s.")
                              % {"unit": unit})
    if not 1 <= sample_size <= MAX_SAMPLE:
        raise InspectionError(_("Draw between 1 and %(max)s points.") % {"max": MAX_SAMPLE})
    campaign = unit.campaign
    if starts_on < campaign.start or ends_on > campaign.end:
        raise InspectionError(
            _("The period must lie within the campaign (%(start)s – %(end)s).")
            % {"start": campaign.start.isoformat(), "end": campaign.end.isoformat()})
    return plan_round(unit=unit, name=name, starts_on=starts_on, ends_on=ends_on,
                      sample_size=sample_size, by=by, seed=seed, kind=RoundKind.MOCK)
