import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from campaign.demo import DEMO_PASSWORD, create_demo_accounts, create_demo_tasks
from inspections.demo import DemoError, build, create_demo_notice
from inspections.demo_scores import create_demo_scores
from inspections.followup.demo import create_demo_followup


class Command(BaseCommand):
    help = "Load the seeds and add demo accounts and demo data (development only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even when DJANGO_DEBUG is off."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo adds accounts with a known password; it refuses to run with "
                "DJANGO_DEBUG off. Use --force if this really is a demo install."
            )
        call_command("load_seeds", stdout=self.stdout)
        usernames = create_demo_accounts()
        self.stdout.write(f"Demo tasks created: {create_demo_tasks()}")
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}): {', '.join(usernames)}")
        started = time.monotonic()
        try:
            counts = build()
        except DemoError as error:
            self.stdout.write(f"{error} Nothing added.")
        else:
            self.stdout.write(
                "Closed-loop demo: {points} points, {rounds} rounds, {visits} visits, {items} items "
                "({seconds:.1f} s).".format(**counts, seconds=time.monotonic() - started)
            )
            # issue 11: a supervision notice to 涧河街道.
            self.stdout.write(create_demo_notice())
            # issue 16: the follow-up of citizen reports and the public page of fixed reports.
            self.stdout.write(create_demo_followup())
        # issue 4: rankings with published months, a draft month, ties and accountability.
        for line in create_demo_scores():
            self.stdout.write(line)
