"""`Idempotency-Key` on the API's POSTs: a request sent again under the same key (a retry after a
timeout) files nothing the second time and is answered with what the first one filed. The key is
a UUID; its receipt is campaign.offline's Submission (one per account and key, written in the
same transaction as what is filed), the same table the phones' queued forms use."""

import uuid
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from campaign.offline.models import Submission
from integrations.models import ApiToken

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 100


def key_of(request: HttpRequest) -> uuid.UUID | None:
    raw = request.headers.get(HEADER, "").strip()
    if not raw:
        return None
    try:
        if len(raw) > MAX_KEY_LENGTH:
            raise ValueError
        return uuid.UUID(raw)
    except ValueError:
        raise HttpError(400, _("The Idempotency-Key header must be a UUID.")) from None


def _earlier(token: ApiToken, key: uuid.UUID, request: HttpRequest) -> int | None:
    """The id of what an earlier request under this key filed; 422 if that key was used for
    another endpoint."""
    receipt = Submission.objects.filter(user=token.user, key=key).first()
    if receipt is None:
        return None
    if receipt.path != request.path:
        raise HttpError(422, _("This Idempotency-Key was already used for another request."))
    return int(receipt.result_url.rsplit("/", 1)[-1])


def file_once[T](request: HttpRequest, token: ApiToken, create: Callable[[], T],
                 pk_of: Callable[[T], int]) -> tuple[int, bool]:
    """Run `create` unless this key was received before: (the id of what was filed, whether it
    is a replay)."""
    key = key_of(request)
    if key is None:
        return pk_of(create()), False
    earlier = _earlier(token, key, request)
    if earlier is not None:
        return earlier, True
    try:
        with transaction.atomic():
            pk = pk_of(create())
            Submission.objects.create(user=token.user, key=key, path=request.path[:500],
                                      result_url=f"{request.path}/{pk}"[:500])
    except IntegrityError:
        # The same key sent at the same moment, and that one committed first: this one's work
        # is rolled back, and it answers with what the first one filed.
        earlier = _earlier(token, key, request)
        if earlier is None:
            raise
        return earlier, True
    return pk, False
