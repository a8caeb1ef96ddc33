"""Remove a person's two-step verification from the server's shell: the way back in for an
administrator who lost their phone and their recovery codes when no other administrator can
reset it in /admin/. Their sessions end; whoever must use it sets it up again at their next
sign-in."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaign.models import User
from campaign.twofactor.services import RESET_PASSWORD_TOO, remove_second_factor


class Command(BaseCommand):
    help = "Remove a person's authenticator app and recovery codes (a lost phone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named “%(username)s”.") % {"username": username})
        if remove_second_factor(user, by=None, request=None):
            self.stdout.write(_(
                "Two-step verification removed for %(username)s: they were logged out everywhere, "
                "and set it up again at their next sign-in if their role requires it.")
                % {"username": username})
            self.stdout.write(str(RESET_PASSWORD_TOO))
            self.stdout.write(_("To set a new password: manage.py changepassword %(username)s")
                              % {"username": username})
        else:
            self.stdout.write(_("%(username)s had no two-step verification set up.") % {"username": username})
