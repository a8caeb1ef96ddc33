"""Remove a person's two-step verification from the server's shell: the way back in for an
administrator who lost their phone and their recovery codes when no other administrator can
reset it in /admin/. Whoever must use it sets it up again at their next sign-in."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaign.models import User
from campaign.twofactor.services import remove_second_factor


class Command(BaseCommand):
    help = "Remove a person's authenticator app and recovery codes (a lost phone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if remove_second_factor(user, by=None, request=None):
            self.stdout.write(f"Two-step verification removed for {username}: they set it up again "
                              f"at their next sign-in if their role requires it.")
        else:
            self.stdout.write(f"{username} had no two-step verification set up.")
