"""inspections.health.SupervisionLoop: the supervision loop's check of /healthz."""

import datetime as dt

import pytest
import time_machine
from health_check.exceptions import ServiceUnavailable

from inspections.health import SupervisionLoop
from inspections.models import SupervisionRun
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _every_five_minutes(settings):
    settings.SUPERVISE_EVERY = dt.timedelta(minutes=5)


def run_at(campaign, started_at):
    return SupervisionRun.objects.create(campaign=campaign, started_at=started_at,
                                         finished_at=started_at + dt.timedelta(seconds=2))


def test_no_campaign_nothing_to_supervise():
    SupervisionLoop().run()


def test_a_campaign_without_a_run_yet_is_not_judged():
    """A new install, or a campaign created since the last run: its first run starts the watch."""
    factories.CampaignFactory()
    with time_machine.travel(T0 + dt.timedelta(days=30), tick=False):
        SupervisionLoop().run()


def test_the_loop_fails_when_the_newest_run_is_three_periods_old():
    campaign = factories.CampaignFactory(key="taiyuan")
    run_at(campaign, T0 - dt.timedelta(hours=1))
    run_at(campaign, T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=15), tick=False):
        SupervisionLoop().run()
    with time_machine.travel(T0 + dt.timedelta(minutes=15, seconds=1), tick=False):
        with pytest.raises(ServiceUnavailable,
                           match="campaign taiyuan: newest supervision run started 2026-03-02 09:00:00"):
            SupervisionLoop().run()


def test_each_campaign_needs_its_own_recent_run():
    """A campaign whose rounds keep failing leaves no row, while the others' runs go on."""
    failing, fine = factories.CampaignFactory(key="failing"), factories.CampaignFactory(key="fine")
    run_at(failing, T0)
    run_at(fine, T0 + dt.timedelta(minutes=20))
    factories.CampaignFactory(key="new")
    with time_machine.travel(T0 + dt.timedelta(minutes=21), tick=False):
        with pytest.raises(ServiceUnavailable, match="campaign failing:"):
            SupervisionLoop().run()
        run_at(failing, T0 + dt.timedelta(minutes=20))
        SupervisionLoop().run()


def test_the_period_is_the_loops_setting(settings):
    settings.SUPERVISE_EVERY = dt.timedelta(seconds=60)
    run_at(factories.CampaignFactory(), T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=3), tick=False):
        SupervisionLoop().run()
    with time_machine.travel(T0 + dt.timedelta(minutes=3, seconds=1), tick=False):
        with pytest.raises(ServiceUnavailable):
            SupervisionLoop().run()
