"""The second factor's devices: one authenticator app (a TOTP device) and one set of recovery
codes (a static device) per person. Every change goes through here, and sends its security
event (campaign.signals) for the audit."""

import datetime as dt
import re
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaign.accounts.services import end_other_sessions, end_sessions
from campaign.models import User
from campaign.signals import second_factor_enrolled, second_factor_failed, second_factor_reset

RECOVERY_CODE_COUNT = 10
# A code from the app: six digits. A recovery code: eight letters and digits (django-otp's
# StaticToken.random_token, base32 in lower case). Spaces and hyphens typed in are ignored.
TOTP_CODE = re.compile(r"\d{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")
APP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
# After a reset the password alone lets one set up a new app: said wherever a reset is made.
RESET_PASSWORD_TOO = _(
    "If the phone may be in someone else's hands, or the password known to anyone else, set a new "
    "password as well: until then the password alone is enough to set up a new app.")


def normalise_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw).lower()


def has_device(user: User) -> bool:
    """Whether the person has a confirmed second factor (an app, or recovery codes left from one)."""
    return next(devices_for_user(user), None) is not None


def app_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def pending_app_device(user: User, *, kept: int | None) -> TOTPDevice:
    """The app being set up in one session. `kept` is the pk of the unconfirmed device this
    session was shown (the session holds it), so reloading the page shows the same QR code.
    A session without one gets a new secret, and any other unconfirmed device of the person
    goes: a secret is confirmed only in the session that showed it, so someone who opened the
    set-up page with the password alone does not learn the secret the person then sets up."""
    device = None
    if kept is not None:
        device = TOTPDevice.objects.filter(user=user, confirmed=False, pk=kept).first()
    if device is None:
        # One set-up at a time per person: the row lock keeps two sessions starting together
        # from each keeping a device.
        User.objects.select_for_update().filter(pk=user.pk).first()
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, as an app asks for it when typed in, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice, *, title: str) -> str:
    """The app's set-up address as an inline SVG QR code (drawn here: no image from elsewhere,
    no style attribute, so the page keeps a strict Content-Security-Policy)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", title=title,
                         svgclass="qr-code", lineclass=None)


@dataclass(frozen=True)
class Confirmation:
    """What confirming the app being set up found: the new recovery codes (shown once), or when
    the next try is allowed (too many wrong codes lately), or neither (a wrong code)."""

    codes: list[str] | None = None
    wait_until: dt.datetime | None = None


@transaction.atomic
def confirm_app_device(device: TOTPDevice, code: str, *, request: HttpRequest | None) -> Confirmation:
    """Confirm the app being set up with a code from it: it replaces any earlier app, and ten new
    recovery codes replace any earlier ones. While the device's throttle holds (after a wrong
    code) no code is checked: django-otp would refuse even the right one, and the page says to
    wait rather than that the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed:
        return Confirmation()
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return Confirmation(wait_until=(info or {}).get("locked_until"))
    if not device.verify_token(code):
        second_factor_failed.send(sender=TOTPDevice, request=request, user=device.user, what="setup")
        return Confirmation()
    user = device.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    second_factor_enrolled.send(sender=TOTPDevice, request=request, user=user, what="app")
    return Confirmation(codes=codes)


@transaction.atomic
def regenerate_recovery_codes(user: User, *, request: HttpRequest | None) -> list[str]:
    """Ten new recovery codes; the earlier ones stop working."""
    codes = _new_recovery_codes(user)
    second_factor_enrolled.send(sender=StaticDevice, request=request, user=user, what="recovery_codes")
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    """New tokens on the person's static device. The device itself stays (its id too): a
    session signed in with a recovery code is verified by it, and deleting it would end that
    session's verification before the new codes are shown."""
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    elif not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    StaticToken.objects.filter(device__user=user).delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@dataclass(frozen=True)
class CodeCheck:
    """What checking a code at sign-in found: the device that took it, or when the next try is
    allowed (too many wrong codes lately), or neither (a wrong code)."""

    device: Device | None = None
    wait_until: dt.datetime | None = None


def check_code(user: User, raw: str, *, request: HttpRequest | None) -> CodeCheck:
    """Check a code at sign-in against the person's app (six digits) or recovery codes (a used
    recovery code is gone). A wrong or reused code is counted by the device's throttle and
    announced (second_factor_failed); while the throttle holds, no code is checked."""
    code = normalise_code(raw)
    model: type[Device] = TOTPDevice if TOTP_CODE.fullmatch(code) else StaticDevice
    with transaction.atomic():
        devices = list(model.objects.devices_for_user(user, confirmed=True).select_for_update())
        for device in devices:
            allowed, info = device.verify_is_allowed()
            if not allowed:
                return CodeCheck(wait_until=(info or {}).get("locked_until"))
            if device.verify_token(code):
                return CodeCheck(device=device)
    second_factor_failed.send(sender=model, request=request, user=user)
    return CodeCheck()


@transaction.atomic
def remove_second_factor(user: User, *, by: User | None, request: HttpRequest | None) -> int:
    """Remove the person's app and recovery codes (an administrator's reset, or the person
    turning it off where it is optional); returns how many devices went. Their sessions end:
    all of them after a reset (a session waiting at the code page with the password alone
    would otherwise be sent on to set up an app of its own), all but this one when the person
    turns it off. Whoever must use it sets it up again at their next sign-in. `by` is None from
    a command (reset_two_factor)."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    if removed:
        if request is not None and by is not None and by.pk == user.pk:
            end_other_sessions(user, request=request)
        else:
            end_sessions(user)
        second_factor_reset.send(sender=User, request=request, user=user, by=by)
    return removed
