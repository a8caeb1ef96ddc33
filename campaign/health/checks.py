"""The checks of /healthz (django-health-check's HealthCheck: `run` returns when healthy and
raises otherwise). Each names the lane it runs on (campaign.health.lanes): the checks that
query the database share one, so a probe opens one connection, not one per check.

The supervision loop's check is inspections.health.SupervisionLoop (settings.HEALTH_CHECKS
lists them all)."""

import dataclasses
import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from health_check import HealthCheck
from health_check.exceptions import ServiceReturnedUnexpectedResult, ServiceUnavailable


@dataclasses.dataclass
class Database(HealthCheck):
    """A read of the users' table: the server answers, the schema is there and the app may read
    it (a log-in needs no more), rather than a bare SELECT 1."""

    name: ClassVar[str] = "database"
    lane: ClassVar[str] = "database"

    def run(self) -> None:
        get_user_model().objects.exists()


@dataclasses.dataclass
class Cache(HealthCheck):
    """The default cache stores a value, gives it back and deletes it (a key of its own per
    probe, expiring by itself should the delete never come)."""

    name: ClassVar[str] = "cache"
    lane: ClassVar[str] = "cache"

    def run(self) -> None:
        cache = caches["default"]
        key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
        cache.set(key, value, timeout=60)
        try:
            if cache.get(key) != value:
                raise ServiceReturnedUnexpectedResult("the value read back differs")
        finally:
            cache.delete(key)


@dataclasses.dataclass
class Storage(HealthCheck):
    """The default storage (photos) answers. On local disk: a tiny file saved, read back and
    deleted (a full or read-only disk fails). On a bucket: one object's existence asked, nothing
    written, since anybody may call /healthz and a versioned bucket keeps every object ever
    written (a probe every few seconds would leave tens of thousands a day)."""

    name: ClassVar[str] = "storage"
    lane: ClassVar[str] = "storage"

    def run(self) -> None:
        storage = storages["default"]
        if not isinstance(storage, FileSystemStorage):
            # django-storages' S3Storage: the bucket's head, with the app's keys (a missing
            # bucket or refused keys fail; exists() of a key would call a missing bucket fine).
            bucket = storage.bucket_name  # type: ignore[attr-defined]
            storage.connection.meta.client.head_bucket(Bucket=bucket)  # type: ignore[attr-defined]
            return
        content = uuid.uuid4().hex.encode()
        # At the top, so a disk keeps no directory of the check's once the file is gone.
        name = storage.save(f"healthz-{uuid.uuid4().hex}.txt", ContentFile(content))
        try:
            with storage.open(name) as stored:
                if stored.read() != content:
                    raise ServiceReturnedUnexpectedResult("the file read back differs")
        finally:
            storage.delete(name)


@dataclasses.dataclass
class TaskWorker(HealthCheck):
    """Failing when a task has waited to be run longer than settings.TASK_MAX_WAIT: the worker
    (`manage.py db_worker`) is stopped, stuck or cannot keep up. A task deferred to later
    (run_after) waits from then. The worker is judged by its work: an idle worker leaves no
    trace, so with nothing waiting there is nothing to be late with and the check passes."""

    name: ClassVar[str] = "worker"
    lane: ClassVar[str] = "database"

    def run(self) -> None:
        since = timezone.now() - settings.TASK_MAX_WAIT
        # run_after holds the largest date when the task was not deferred.
        late = DBTaskResult.objects.filter(
            Q(run_after=get_date_max()) | Q(run_after__lt=since),
            status=TaskResultStatus.READY, enqueued_at__lt=since,
        )
        if late.exists():
            raise ServiceUnavailable(f"a task has waited more than {settings.TASK_MAX_WAIT} to be run")
