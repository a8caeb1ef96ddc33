"""What writes the audit trail besides django-auditlog's own receivers: the security events
(from Django's login signals, django-axes' lockout and campaign.signals) and the changes that
bulk updates make, which no model signal sees (`record_update`).

Events a visitor can cause at will (failed logins, lockouts, refused pages) are bounded: at
most settings.AUDIT_EVENTS_PER_MINUTE rows of a kind per person (or, with no person, per
address as the throttles count it, an IPv6 client's /64 network, which it can rotate within) per
minute; past it the event is not stored, so nobody can fill the disk with them.
"""

import datetime as dt
import ipaddress
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import smart_str

from campaign import signals
from campaign.audit.enums import SecurityKind
from campaign.audit.models import ChangeEntry, SecurityEvent
from campaign.clientip import client_ip, throttle_address

K = SecurityKind
# Kinds anyone can cause as often as they like: their rows are bounded per minute.
BOUNDED = {K.LOGIN_FAILED, K.LOCKED_OUT, K.REFUSED, K.SECOND_FACTOR_FAILED}


def _stored(text: str) -> str | None:
    """An address as the address columns hold it; None for no address (a unix socket's empty
    REMOTE_ADDR)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def address_of(request: HttpRequest) -> str | None:
    """The client's address as campaign.clientip reads it (None: no address)."""
    return _stored(client_ip(request))


def counted_address_of(request: HttpRequest) -> str | None:
    """The address the bound counts (campaign.clientip.throttle_address): an IPv6 client's /64
    network, so that rotating within it does not give a fresh quota (None: no address)."""
    return _stored(throttle_address(request))


def _person(user) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def record_event(kind: SecurityKind, *, request: HttpRequest | None, user=None, username: str = "",
                 path: str = "", status: int | None = None, details: dict | None = None,
                 now: dt.datetime | None = None) -> SecurityEvent | None:
    """Store one security event; None when the kind's bound for this person (or address) this
    minute is reached."""
    now = now or timezone.now()
    person = _person(user)
    address = address_of(request) if request is not None else None
    counted = counted_address_of(request) if request is not None else None
    if kind in BOUNDED:
        limit = settings.AUDIT_EVENTS_PER_MINUTE
        recent = SecurityEvent.objects.filter(kind=kind, at__gt=now - dt.timedelta(minutes=1))
        recent = (recent.filter(user=person) if person
                  else recent.filter(user=None, counted_address=counted))
        if recent.order_by()[:limit].count() >= limit:
            return None
    if person is not None and not username:
        username = person.get_username()
    return SecurityEvent.objects.create(
        at=now, kind=kind, user=person, username=username[: SecurityEvent.MAX_USERNAME],
        address=address, counted_address=counted, path=path[: SecurityEvent.MAX_PATH], status=status,
        details=details or {},
    )


def record_update(instance: models.Model, changes: dict[str, tuple[Any, Any]]) -> ChangeEntry | None:
    """Record a change that a queryset update made to `instance` (no signal fires for those):
    {field: (before, after)}, written as text as auditlog writes its own."""
    changed = {name: [_text(old), _text(new)] for name, (old, new) in changes.items() if old != new}
    if not changed:
        return None
    return ChangeEntry.objects.log_create(instance, action=ChangeEntry.Action.UPDATE, changes=changed)


def _text(value: Any) -> str:
    # As auditlog's diff writes a value: a related object by its id, nothing as "None".
    return smart_str(value.pk if isinstance(value, models.Model) else value)


# ---- receivers ----------------------------------------------------------------------------------

def _logged_in(sender, request, user, **kwargs) -> None:
    record_event(K.LOGIN, request=request, user=user)


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:      # logging out without a session: nothing happened
        record_event(K.LOGOUT, request=request, user=user)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))
    record_event(K.LOGIN_FAILED, request=request, username=username)


def _locked_out(sender, request, username=None, **kwargs) -> None:
    record_event(K.LOCKED_OUT, request=request, username=str(username or ""))


def _receiver(kind: SecurityKind):
    def receive(sender, request=None, user=None, **kwargs) -> None:
        details = {}
        if (by := kwargs.get("by")) is not None:
            details["by"] = by.get_username()
        if (reason := kwargs.get("reason")) is not None:
            details["reason"] = str(reason)
        if (what := kwargs.get("what")) is not None:
            details["what"] = str(what)
        record_event(kind, request=request, user=user, details=details)
    return receive


def _passed(sender, request=None, user=None, what="app", **kwargs) -> None:
    # A recovery code is its own kind: the person may have lost their phone.
    kind = K.RECOVERY_CODE_LOGIN if what == "recovery_code" else K.SECOND_FACTOR_PASSED
    record_event(kind, request=request, user=user, details={"what": str(what)})


_SIGNALS = {
    signals.second_factor_failed: K.SECOND_FACTOR_FAILED,
    signals.second_factor_enrolled: K.SECOND_FACTOR_ENROLLED,
    signals.second_factor_reset: K.SECOND_FACTOR_RESET,
    signals.logged_out_everywhere: K.LOGOUT_EVERYWHERE,
    signals.password_changed: K.PASSWORD_CHANGED,
    signals.session_expired: K.SESSION_EXPIRED,
}
_RECEIVERS = {signal: _receiver(kind) for signal, kind in _SIGNALS.items()}


def connect() -> None:
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
    user_locked_out.connect(_locked_out, dispatch_uid="audit-locked-out")
    signals.second_factor_passed.connect(_passed, dispatch_uid="audit-2fa-passed")
    for signal, receive in _RECEIVERS.items():
        signal.connect(receive, dispatch_uid=f"audit-{_SIGNALS[signal]}")


def mask(value: str) -> str:
    """A secret as the audit shows it (settings.AUDITLOG_MASK_CALLABLE): that it changed, and its
    last 4 characters when it is long enough for them to give nothing away."""
    return "••••" + (value[-4:] if len(value) > 16 else "")
