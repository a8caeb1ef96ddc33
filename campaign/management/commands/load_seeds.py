from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from campaign.seeds import SeedError, load_seeds


class Command(BaseCommand):
    help = "Load the campaigns, command tree and standards from seeds/ (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.SEEDS_DIR))

    def handle(self, *args, **options):
        try:
            counter = load_seeds(Path(options["dir"]))
        except SeedError as error:
            raise CommandError(str(error)) from error
        if not counter:
            self.stdout.write("Seeds already loaded: nothing changed.")
        for what, count in sorted(counter.items()):
            self.stdout.write(f"{what}: {count}")
