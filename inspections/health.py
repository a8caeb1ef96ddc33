"""The supervision loop's check of /healthz (campaign.health runs it, settings.HEALTH_CHECKS
names it)."""

import dataclasses
from typing import ClassVar

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from health_check import HealthCheck
from health_check.exceptions import ServiceUnavailable

from campaign.models import Campaign
from inspections.models import SupervisionRun

# Runs may be this many periods of the loop apart before the loop counts as failing: one run
# that fails, or that waits for another holding its campaign, is no alarm.
PERIODS = 3


@dataclasses.dataclass
class SupervisionLoop(HealthCheck):
    """Failing when a campaign's newest supervision run started more than PERIODS periods of
    the loop (settings.SUPERVISE_EVERY) ago: the loop (`manage.py supervise` every few minutes)
    has stopped, or that campaign's rounds keep failing (each failure is in the loop's log).

    A campaign without a run is not judged: a new install, or a campaign created since the last
    run, has had no chance yet; its first run starts the watch. So with no run at all, the check
    cannot tell a loop that never started from one about to (the campaign's supervision rules
    page says "has not run yet"); what it catches is a loop that ran and stopped."""

    name: ClassVar[str] = "supervision"
    lane: ClassVar[str] = "database"

    def run(self) -> None:
        since = timezone.now() - PERIODS * settings.SUPERVISE_EVERY
        # One index probe per campaign (supervision_run_latest_idx), however many runs are kept.
        newest = (SupervisionRun.objects.filter(campaign=OuterRef("pk"))
                  .order_by("-started_at").values("started_at")[:1])
        late = (Campaign.objects.annotate(last_run=Subquery(newest))
                .filter(last_run__lt=since).order_by("last_run")
                .values_list("key", "last_run").first())
        if late is not None:
            key, last_run = late
            raise ServiceUnavailable(
                f"campaign {key}: newest supervision run started {last_run:%Y-%m-%d %H:%M:%S %Z}")
