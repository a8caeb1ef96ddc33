from django.core.management.base import BaseCommand, CommandError

from campaign.models import Campaign
from inspections.supervision import KINDS, supervise


class Command(BaseCommand):
    help = ("Work out which reminders and escalations (督办) are due and record them, once each; "
            "then hand due deliveries to the channels. Run it every few minutes.")

    def add_arguments(self, parser):
        parser.add_argument("--campaign", help="one campaign by key (default: every campaign)")

    def handle(self, *args, campaign, **options):
        campaigns = None
        if campaign is not None:
            found = Campaign.objects.filter(key=campaign[:60]).first()
            if found is None:
                raise CommandError(f"No campaign has the key “{campaign[:60]}”.")
            campaigns = [found]
        outcomes = supervise(campaigns=campaigns)
        if not outcomes:
            self.stdout.write("No campaign: nothing to do.")
        for outcome in outcomes:
            name = f"{outcome.campaign.name} ({outcome.campaign.key})"
            if outcome.error is not None:
                self.stdout.write(self.style.ERROR(f"{name}: failed: {outcome.error}"))
                continue
            if outcome.counts is None:
                self.stdout.write(f"{name}: skipped, another run is working on it.")
                continue
            counts = ", ".join(f"{kind} {outcome.counts.get(kind, 0)}" for kind in KINDS)
            self.stdout.write(f"{name}: {sum(outcome.counts.values())} notification(s): {counts}")
            for year in outcome.guessed_years:
                self.stdout.write(self.style.WARNING(
                    f"  {year} counted Monday–Friday: enter its holidays on the calendar page."))
