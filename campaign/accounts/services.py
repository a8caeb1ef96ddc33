"""A person's own account: ending their sessions, recording a change of password, counting
wrong current passwords."""

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db.models import F
from django.http import HttpRequest

from campaign import signals
from campaign.models import User

# Wrong current passwords entered on the account page in this session.
WRONG_PASSWORDS = "_wrong_current_passwords"


def end_sessions(user: User) -> None:
    """Ends every session of `user`, on every server and in every store: the epoch is part of
    the hash each session keeps (User.get_session_auth_hash), and Django ends a session whose
    hash no longer matches at its next request. The security event is the caller's (an
    administrator's reset of the second factor is recorded as that, not as the person logging
    out)."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


def end_all_sessions(user: User, *, request: HttpRequest) -> None:
    """The person logs out everywhere (end_sessions, announced). The caller logs this request
    out."""
    end_sessions(user)
    signals.logged_out_everywhere.send(sender=User, request=request, user=user)


def end_other_sessions(user: User, *, request: HttpRequest) -> None:
    """Ends every session of `user` but this request's: after a change that others must not
    outlive (two-step verification newly set up, a session signed in with the password alone
    elsewhere would otherwise stay open; or turned off)."""
    end_sessions(user)
    update_session_auth_hash(request, user)


def password_was_changed(user: User, *, request: HttpRequest) -> None:
    """After `user` set a new password themselves: their other sessions end (the hash follows the
    password), this one is kept."""
    update_session_auth_hash(request, user)
    request.session.pop(WRONG_PASSWORDS, None)
    signals.password_changed.send(sender=User, request=request, user=user)


def wrong_password_ends_session(request: HttpRequest) -> bool:
    """Counts a wrong current password in this session (axes counted it as a failed log-in);
    True when the session must end: settings.LOGIN_PAIR_LIMIT of them, as many as lock the
    account at an address on the log-in page, or axes has locked this account here."""
    wrong = request.session.get(WRONG_PASSWORDS, 0) + 1
    request.session[WRONG_PASSWORDS] = wrong
    return wrong >= settings.LOGIN_PAIR_LIMIT or bool(getattr(request, "axes_locked_out", False))
