"""The channels beyond the inbox: email (Django's mail over SMTP) and the WeCom and DingTalk group
robots (an HTTPS POST of JSON to the robot's webhook URL). Each send either returns or raises
ChannelError with what went wrong; recording and retrying is campaign.notifications.jobs'.

Also here: what a webhook URL may be (https, a host on the allow-list), and quiet hours."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import quote_plus, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from campaign.notifications.enums import RobotKind

TIMEOUT = 5               # seconds a robot has to answer
MAX_RESPONSE = 64 * 1024  # bytes of its answer read


class ChannelError(Exception):
    """A send that did not succeed; the message says why (recorded as the delivery's last error)."""


def email_enabled() -> bool:
    """No DJANGO_EMAIL_HOST switches email off: no email deliveries are made."""
    return bool(settings.NOTIFY_BY_EMAIL)


def send_email(address: str, subject: str, text: str) -> None:
    try:
        sent = send_mail(subject, text, None, [address], using="default")
    except (OSError, ValueError) as error:   # smtplib's errors are OSErrors
        raise ChannelError(f"SMTP: {error}") from error
    if sent != 1:
        raise ChannelError("SMTP: the message was not accepted")


def webhook_url_problem(url: str) -> str | None:
    """Why the server must not call this URL (in the reader's language), or None: https only
    (plain http where NOTIFY_WEBHOOK_ALLOW_HTTP), and a host on NOTIFY_WEBHOOK_HOSTS, so nobody
    can make the server call an arbitrary intranet address."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (a bad port raises ValueError)
    except ValueError:
        return _("This is not a web address.")
    allowed_schemes = {"https", "http"} if settings.NOTIFY_WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed_schemes:
        return _("The address must start with https://.")
    if parts.username or parts.password:
        return _("The address must not carry a user name or password.")
    if host.lower() not in {allowed.lower() for allowed in settings.NOTIFY_WEBHOOK_HOSTS}:
        return _("The server may call only these hosts: %(hosts)s.") % {
            "hosts": ", ".join(settings.NOTIFY_WEBHOOK_HOSTS)}
    return None


def dingtalk_signed(url: str, secret: str, *, now_ms: int | None = None) -> str:
    """The URL with DingTalk's signature appended (加签): HMAC-SHA256 of "timestamp\\nsecret"
    keyed by the secret, base64, URL-encoded."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A robot's answer that redirects is not followed: the target would skip the host check
    (a redirect to an intranet address). urllib then raises HTTPError with the 3xx status."""

    def redirect_request(self, req, fp, code, msg, headers, newurl) -> None:
        return None


def post_robot(kind: str, url: str, text: str, *, secret: str = "") -> None:
    """Post a text message to a WeCom or DingTalk group robot. Success is HTTP 200 with
    errcode 0 in the JSON answer; anything else raises ChannelError."""
    problem = webhook_url_problem(url)   # the allow-list may have changed since it was saved
    if problem:
        raise ChannelError(problem)
    if kind == RobotKind.DINGTALK and secret:
        url = dingtalk_signed(url, secret)
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"},
    )
    opener = urllib.request.build_opener(_RefuseRedirects)
    try:
        # The scheme and host are checked above: https (or http where allowed) to an allowed host,
        # and no redirect elsewhere is followed.
        with opener.open(request, timeout=TIMEOUT) as response:
            status = response.status
            raw = response.read(MAX_RESPONSE)
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:
            raise ChannelError(f"HTTP {error.code}: redirect refused") from error
        raise ChannelError(f"HTTP {error.code}") from error
    except (OSError, ValueError) as error:   # URLError, timeouts and refused connections
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    if status != 200:
        raise ChannelError(f"HTTP {status}")
    try:
        answer = json.loads(raw)
    except ValueError as error:
        raise ChannelError("the answer is not JSON") from error
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        detail = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        code = answer.get("errcode") if isinstance(answer, dict) else None
        raise ChannelError(f"errcode {code}: {detail}"[:200])


def quiet_until(moment: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime | None:
    """When the quiet hours [start, end) around `moment` end (an aware datetime), or None when
    `moment` is outside them. Times are read in settings.TIME_ZONE; start == end: none; start
    after end spans midnight (21:00–08:00)."""
    if start == end:
        return None
    zone = ZoneInfo(settings.TIME_ZONE)
    local = moment.astimezone(zone)
    clock = local.time()
    day = local.date()
    if start < end:
        quiet = start <= clock < end
    else:
        quiet = clock >= start or clock < end
        if clock >= start:
            day += dt.timedelta(days=1)
    if not quiet:
        return None
    return dt.datetime.combine(day, end, tzinfo=zone)
