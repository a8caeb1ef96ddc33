"""Idempotent form posts: a form sent again under the same key (a phone retrying after the signal
dropped, a queue sent twice) files nothing the second time and leads where the first one did.

The browser puts a fresh random `submission_key` in each form at page load (offline_queue.js).
The key's receipt (a Submission row) is written in the same transaction as what the view files,
so either both exist or neither does: a key is never marked received for work that was rolled
back, and work is never committed without its key.
"""

import functools
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from campaign.http import AuthenticatedHttpRequest
from campaign.models import Photo
from campaign.offline.models import Submission
from campaign.photos import discard_files

FIELD = "submission_key"
# The account the phone queued the form under (offline_queue.js adds it to every send): a page
# left open under one account must not file its queue under the next one's session.
USER_FIELD = "submission_user"
REPLAYED_HEADER = "X-Submission-Replayed"
WRONG_USER_HEADER = "X-Submission-Wrong-User"
# A UUID written out is 36 characters (38 with braces); anything much longer is not one and is not
# worth parsing.
MAX_KEY_LENGTH = 100

View = Callable[..., HttpResponse]


# The photos a guarded view stored in this request (this thread or task): a rolled-back
# duplicate takes its database rows back, but the files are already written and must be removed
# by hand (storage is not transactional).
_stored_photos: ContextVar[list[Photo] | None] = ContextVar("offline_stored_photos", default=None)


def note_stored_photo(sender, instance: Photo, created: bool, **kwargs) -> None:
    """post_save of Photo (connected in OfflineConfig.ready): remember it while a guarded view
    runs; outside one, nothing is kept."""
    stored = _stored_photos.get()
    if created and stored is not None:
        stored.append(instance)


class _Duplicate(Exception):
    """A concurrent send of the same key committed first: leave the atomic block (rolling back
    what this one filed) and answer as a replay."""


def idempotent(view: View) -> View:
    """Wrap a POST view whose success is a redirect. Without a key the view runs as it always
    did (a page from before this feature, a script); with one, a second send is answered from
    the receipt of the first."""

    @functools.wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        raw = request.POST.get(FIELD, "").strip()
        if not raw:
            return view(request, *args, **kwargs)
        key = _parse(raw)
        if key is None:
            return render(request, "offline/bad_key.html", status=400)
        user = request.user
        queued_by = request.POST.get(USER_FIELD, "").strip()
        if queued_by and queued_by != str(user.pk):
            response = render(request, "offline/wrong_user.html", status=409)
            response[WRONG_USER_HEADER] = "1"
            return response
        earlier = _received(user, key)
        if earlier is not None:
            return _replayed(request, earlier)
        kept = _KeptMessages(request)
        stored: list[Photo] = []
        token = _stored_photos.set(stored)
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if isinstance(response, HttpResponseRedirectBase):
                    try:
                        # No savepoint: on a duplicate the whole block must roll back, the
                        # second visit or step included, not only this insert.
                        Submission.objects.create(user=user, key=key, path=request.path[:500],
                                                  result_url=_safe_url(request, response.url))
                    except IntegrityError as error:
                        raise _Duplicate from error
        except _Duplicate:
            for photo in stored:
                discard_files(photo)
            kept.restore()
            return _replayed(request, Submission.objects.get(user=user, key=key))
        finally:
            _stored_photos.reset(token)
        if not isinstance(response, HttpResponseRedirectBase):
            # A refused form (200 with its errors, 400, 409) stores nothing, so the same key
            # can be sent again once it is corrected. One exception: a concurrent send of this
            # key succeeded meanwhile and this one was refused only because of it (the item's
            # version moved under it): that is the same sending, received.
            concurrent = _received(user, key)
            if concurrent is not None:
                kept.restore()
                return _replayed(request, concurrent)
        return response

    return wrapped


def _parse(raw: str) -> uuid.UUID | None:
    if len(raw) > MAX_KEY_LENGTH:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _received(user, key: uuid.UUID) -> Submission | None:
    return Submission.objects.filter(user=user, key=key).first()


def _safe_url(request: HttpRequest, url: str) -> str:
    """Where a replay is sent back to: the view's own redirect, kept only if it stays on this
    site (a replay must never become an open redirect), and short enough to store."""
    if len(url) > 500 or not url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return "/"
    return url


class _KeptMessages:
    """The messages waiting in this session before a guarded view runs. What the view then said
    ("Visit recorded" of a rolled-back run, "Please correct…" of a page nobody sees) is not true
    of a replay and goes; what was waiting before (another page's notice not yet shown) stays."""

    def __init__(self, request: HttpRequest) -> None:
        self.storage = getattr(request, "_messages", None)
        if self.storage is None:
            return
        # Reading _loaded_messages loads them without marking them used (iterating would).
        self.loaded = list(self.storage._loaded_messages)
        self.queued = list(self.storage._queued_messages)
        self.used = self.storage.used

    def restore(self) -> None:
        if self.storage is None:
            return
        self.storage._loaded_data = self.loaded
        self.storage._queued_messages = self.queued
        self.storage.used = self.used


def _replayed(request: HttpRequest, submission: Submission) -> HttpResponse:
    messages.info(request, _("Already received at %(time)s; nothing was filed twice.") % {
        "time": time_format(timezone.localtime(submission.created_at), "H:i")})
    response = HttpResponseRedirect(submission.result_url)
    response[REPLAYED_HEADER] = "1"
    return response
