from django.core.management.base import BaseCommand

from campaign.pwa.icons import write_icons


class Command(BaseCommand):
    help = "Draw the installable app's icons into campaign/static/campaign/icons/ (commit them)."

    def handle(self, *args, **options) -> None:
        for path in write_icons():
            self.stdout.write(str(path))
