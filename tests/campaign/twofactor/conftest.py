import datetime as dt
import re
from base64 import b32decode
from binascii import unhexlify

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import TOTP

from campaign import signals
from campaign.twofactor import services

# A moment in the middle of a 30-second step, so a code is valid for the whole test.
NOW = dt.datetime(2026, 3, 2, 1, 0, 10, tzinfo=dt.UTC)
PASSWORD = "pass-word-123"


def code_for(key: bytes, when: dt.datetime) -> str:
    """The code an authenticator app shows at `when` for this secret."""
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = when.timestamp()
    return f"{totp.token():06d}"


def secret_on(page: str) -> bytes:
    """The secret the set-up page shows for typing in, as bytes."""
    text = re.search(r'id="setup-secret">([A-Z2-7 ]+)</code>', page).group(1)
    return b32decode(text.replace(" ", ""))


def app_code(user) -> str:
    """The code the person's app shows now (the test's clock)."""
    return code_for(unhexlify(services.app_device(user).key), dt.datetime.now(dt.UTC))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def enrolled(clock):
    """enrolled(user) → the user's recovery codes, with an app set up (as the set-up page does)."""

    def make(user):
        device = services.pending_app_device(user, kept=None)
        codes = services.confirm_app_device(device, code_for(device.bin_key, NOW), request=None).codes
        # The code just used may not be used again: later tests sign in a step later.
        clock.move_to(NOW + dt.timedelta(seconds=30))
        return codes

    return make


@pytest.fixture
def sent():
    """The security events sent during the test: [(signal name, kwargs)]."""
    events = []
    receivers = {}
    for name in ("second_factor_failed", "second_factor_passed", "second_factor_enrolled",
                 "second_factor_reset"):
        def receiver(sender, _name=name, **kwargs):
            events.append((_name, kwargs))
        receivers[name] = receiver
        getattr(signals, name).connect(receiver, weak=False)
    yield events
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


@pytest.fixture
def password_login(client):
    """Log in through the login form (the first step); the response."""

    def do(user, next_url=""):
        data = {"username": user.username, "password": PASSWORD}
        if next_url:
            data["next"] = next_url
        return client.post(reverse("login"), data)

    return do
