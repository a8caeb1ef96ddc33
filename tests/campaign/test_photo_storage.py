"""Photos in an S3-compatible object store (settings.s3_photo_storage, campaign/storage.py): the
same uploads and photo views as on local disk, against moto's S3 server over HTTP (tests/s3.py).
The objects stay private, are streamed only through the permission-checked views, and a store
that fails gives a clear message on upload and a 503 on view, never a 500."""

import datetime as dt
import errno
import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from campaign.models import Photo, Progress
from campaign.photos import PhotoError, store_photo
from inspections.models import Inspection, Rectification
from tests import factories
from tests.factories import login
from tests.s3 import closed_port, use_s3

pytestmark = pytest.mark.django_db

VISITED = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai
DOWN = "照片未能保存：照片存储服务不可用（EndpointConnectionError）。没有保存任何内容。"


def streamed(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)   # the test client closes the file at the end


@pytest.fixture
def no_store_urls(monkeypatch):
    """Any attempt to make a direct URL to a stored object fails the test."""
    from storages.backends.s3 import S3Storage

    def refuse(self, name, *args, **kwargs):
        raise AssertionError(f"a direct S3 URL was asked for {name}")

    monkeypatch.setattr(S3Storage, "url", refuse)


def post_visit(client, point, criterion, *, note="东门口", photos=None):
    photos = [factories.make_jpeg(800, 600)] if photos is None else photos
    with time_machine.travel(VISITED, tick=False):
        return client.post(reverse("inspections:visit-create", args=[point.pk]), {
            "mode": "open", "visited_at": "2026-03-01T10:00", "note": note,
            "finding-TOTAL_FORMS": 1, "finding-INITIAL_FORMS": 0,
            "finding-0-criterion": criterion.pk, "finding-0-note": "乱堆放",
            "finding-0-photos": photos,
        })


@pytest.fixture
def point(tree):
    return factories.PointFactory(unit=tree["street_a"])


@pytest.fixture
def criterion(tree):
    return factories.CriterionFactory(category__standard__campaign=tree["city"].campaign, points=2)


# ---- upload and view through the real views ---------------------------------------------------

def test_a_visit_photo_goes_to_the_bucket_and_is_streamed_only_in_scope(
        client, tree, people, point, criterion, s3_storage, no_store_urls):
    response = post_visit(login(client, people["inspector"]), point, criterion)
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.image.name.startswith("photos/2026/03/") and photo.image.name.endswith(".jpg")
    assert photo.thumbnail.name == photo.image.name.replace(".jpg", "-thumb.jpg")
    assert s3_storage.keys() == sorted([photo.image.name, photo.thumbnail.name])

    client = login(client, people["staff"])
    full = client.get(reverse("inspections:photo", args=[photo.pk]))
    assert (full.status_code, full["Content-Type"], full["Cache-Control"]) == (
        200, "image/jpeg", "no-store")
    assert int(full["Content-Length"]) == len(s3_storage.read(photo.image.name))
    assert streamed(full) == s3_storage.read(photo.image.name)
    thumb = client.get(reverse("inspections:photo-thumb", args=[photo.pk]))
    assert thumb.status_code == 200
    thumb_bytes = streamed(thumb)
    assert thumb_bytes == s3_storage.read(photo.thumbnail.name)
    assert Image.open(io.BytesIO(thumb_bytes)).size == (360, 270)

    # The item's page shows the photo by the app's own URLs, never the store's.
    item = Rectification.objects.get()
    page = client.get(item.get_absolute_url()).content.decode()
    assert reverse("inspections:photo-thumb", args=[photo.pk]) in page
    assert s3_storage.endpoint_url.split("//")[1] not in page and "X-Amz" not in page

    client = login(client, people["other_staff"])
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("inspections:photo-thumb", args=[photo.pk])).status_code == 404


@time_machine.travel(dt.datetime(2019, 7, 1, 4, tzinfo=dt.UTC), tick=False)
def test_a_task_report_photo_is_stored_and_streamed_from_the_bucket(
        client, tree, people, s3_storage, no_store_urls):
    task = factories.TaskFactory(unit=tree["street_a"], target=5)
    response = login(client, people["staff"]).post(reverse("task-report", args=[task.pk]), {
        "quantity": "2", "reported_on": "2019-06-30", "note": "整治完成",
        "photos": [factories.make_jpeg(name="a.jpg")]})
    assert response.status_code == 302
    photo = Progress.objects.get().photos.get()
    assert s3_storage.keys() == sorted([photo.image.name, photo.thumbnail.name])
    assert streamed(client.get(reverse("task-photo", args=[photo.pk]))) == s3_storage.read(
        photo.image.name)
    assert streamed(client.get(reverse("task-photo-thumb", args=[photo.pk]))) == s3_storage.read(
        photo.thumbnail.name)
    client.force_login(people["other_staff"])
    assert client.get(reverse("task-photo", args=[photo.pk])).status_code == 404


def test_a_citizens_tracking_page_streams_the_after_photo_from_the_bucket(
        client, tree, people, s3_storage, no_store_urls):
    from inspections import services, workflow

    report = services.report_problem(campaign=tree["city"].campaign, description="路灯不亮",
                                     location="东巷口")
    item = services.accept_report(report, unit=tree["street_a"], title="路灯不亮",
                                  deadline=timezone.now() + dt.timedelta(days=3),
                                  by=people["coordinator"])
    fix = factories.store_photo_for(tree["street_a"], by=people["staff"])
    item = workflow.submit(item, by=people["staff"], version=None, photos=[fix])
    workflow.close(item, by=people["coordinator"], version=None, method="management")
    response = client.get(reverse("inspections:report-track-photo", args=[report.tracking_code, fix.pk]))
    assert response.status_code == 200
    assert streamed(response) == s3_storage.read(fix.thumbnail.name)
    assert client.get(reverse("inspections:report-track-photo",
                              args=["NOPE", fix.pk])).status_code == 404


# ---- private objects ----------------------------------------------------------------------

def test_the_objects_are_private_in_the_store(tree, people, s3_storage):
    photo = factories.store_photo_for(tree["street_a"], by=people["staff"])
    for key in (photo.image.name, photo.thumbnail.name):
        grants = s3_storage.client.get_object_acl(Bucket=s3_storage.name, Key=key)["Grants"]
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
        assert grants[0]["Grantee"]["Type"] == "CanonicalUser"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{s3_storage.endpoint_url}/{s3_storage.name}/{key}", timeout=5)
        assert refused.value.code == 403


# ---- all or nothing -----------------------------------------------------------------------

def test_a_failed_save_removes_both_objects(tree, people, s3_storage, monkeypatch):
    def broken(self, *args, **kwargs):
        assert len(s3_storage.keys()) == 2     # both files were in the bucket
        raise DatabaseError("the row could not be written")

    monkeypatch.setattr(Photo, "save", broken)
    with pytest.raises(DatabaseError):
        factories.store_photo_for(tree["street_a"], by=people["staff"])
    assert s3_storage.keys() == []


def test_the_store_failing_between_the_two_files_leaves_nothing(tree, people, s3_storage, monkeypatch):
    from botocore.exceptions import EndpointConnectionError
    from storages.backends.s3 import S3Storage

    original = S3Storage._save
    calls = []

    def fail_second(self, name, content):
        calls.append(name)
        if len(calls) == 2:     # the main image is in, the thumbnail meets a store gone away
            raise EndpointConnectionError(endpoint_url=s3_storage.endpoint_url)
        return original(self, name, content)

    monkeypatch.setattr(S3Storage, "_save", fail_second)
    with pytest.raises(PhotoError) as error:
        store_photo(factories.make_jpeg(), unit=tree["street_a"], by=people["staff"])
    assert str(error.value).startswith(DOWN)
    assert s3_storage.keys() == [] and Photo.objects.count() == 0


def test_a_refused_second_photo_removes_the_first_ones_objects(
        client, tree, people, point, criterion, s3_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = post_visit(login(client, people["inspector"]), point, criterion, photos=[
        factories.make_jpeg(), SimpleUploadedFile("fake.jpg", b"GIF89a not really", "image/jpeg")])
    assert response.status_code == 200 and "fake.jpg" in response.content.decode()
    assert s3_storage.keys() == [] and Photo.objects.count() == 0


# ---- a store that fails -------------------------------------------------------------------

def test_upload_with_the_store_down_shows_the_message_and_keeps_what_was_typed(
        client, tree, people, point, criterion, settings):
    use_s3(settings, endpoint_url=f"http://127.0.0.1:{closed_port()}", bucket="photos")
    response = post_visit(login(client, people["inspector"]), point, criterion, note="东门口堆物")
    assert response.status_code == 200
    body = response.content.decode()
    assert DOWN in body
    assert "东门口堆物" in body and "乱堆放" in body
    assert (Inspection.objects.count(), Rectification.objects.count(), Photo.objects.count()) == (0, 0, 0)


def test_upload_to_a_missing_bucket_names_the_error(client, tree, people, point, criterion,
                                                    s3_storage, settings):
    use_s3(settings, endpoint_url=s3_storage.endpoint_url, bucket="no-such-bucket-here")
    response = post_visit(login(client, people["inspector"]), point, criterion)
    assert response.status_code == 200
    assert "照片存储服务不可用（NoSuchBucket）" in response.content.decode()
    assert Photo.objects.count() == 0


def test_viewing_with_the_store_down_is_503_and_recovers(client, tree, people, s3_storage, settings):
    photo = factories.store_photo_for(tree["street_a"], by=people["staff"])
    client = login(client, people["staff"])
    use_s3(settings, endpoint_url=f"http://127.0.0.1:{closed_port()}", bucket=s3_storage.name)
    for name in ("inspections:photo", "inspections:photo-thumb"):
        response = client.get(reverse(name, args=[photo.pk]))
        assert (response.status_code, response["Retry-After"], response["Cache-Control"]) == (
            503, "60", "no-store")
        assert response.content.decode() == "照片暂时无法显示：照片存储服务不可用。请过几分钟再试。"
    use_s3(settings, endpoint_url=s3_storage.endpoint_url, bucket=s3_storage.name)
    assert streamed(client.get(reverse("inspections:photo", args=[photo.pk]))) == s3_storage.read(
        photo.image.name)


def test_an_object_missing_from_the_store_is_404(client, tree, people, s3_storage):
    photo = factories.store_photo_for(tree["street_a"], by=people["staff"])
    s3_storage.client.delete_object(Bucket=s3_storage.name, Key=photo.thumbnail.name)
    client = login(client, people["staff"])
    assert client.get(reverse("inspections:photo-thumb", args=[photo.pk])).status_code == 404
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 200


def test_a_failing_disk_is_503_and_a_missing_file_404(client, tree, people, settings, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    photo = factories.store_photo_for(tree["street_a"], by=people["staff"])
    client = login(client, people["staff"])
    (settings.MEDIA_ROOT / photo.thumbnail.name).unlink()
    assert client.get(reverse("inspections:photo-thumb", args=[photo.pk])).status_code == 404

    def failing(self, name, mode="rb"):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(FileSystemStorage, "_open", failing)
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 503


# ---- settings -----------------------------------------------------------------------------

SHOW_STORAGE = """
import json
from django.core.files.storage import default_storage, storages
store = storages["default"]
facts = {"backend": f"{type(store).__module__}.{type(store).__name__}"}
if hasattr(store, "bucket_name"):
    config = store.client_config
    facts.update(
        bucket=store.bucket_name, endpoint=store.endpoint_url, region=store.region_name,
        key=store.access_key, acl=store.default_acl, querystring_auth=store.querystring_auth,
        overwrite=store.file_overwrite, connect=config.connect_timeout, read=config.read_timeout,
        retries=config.retries, s3=config.s3, checksums=config.request_checksum_calculation)
print(json.dumps(facts))
"""


def _storage_facts(**env) -> dict:
    base = {k: v for k, v in os.environ.items()
            if k != "DJANGO_ALLOW_ASYNC_UNSAFE" and not k.startswith("DJANGO_S3_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW_STORAGE], cwd=django_settings.BASE_DIR,
        capture_output=True, text=True, env={**base, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_photos_stay_on_local_disk_without_a_bucket():
    assert _storage_facts(DJANGO_S3_BUCKET="") == {
        "backend": "django.core.files.storage.filesystem.FileSystemStorage"}


def test_a_bucket_switches_photos_to_a_private_s3_store():
    assert _storage_facts(
        DJANGO_S3_BUCKET="campaign-photos", DJANGO_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        DJANGO_S3_ACCESS_KEY_ID="campaign", DJANGO_S3_SECRET_ACCESS_KEY="secret-of-the-test",
    ) == {
        "backend": "storages.backends.s3.S3Storage", "bucket": "campaign-photos",
        "endpoint": "http://127.0.0.1:9000", "region": "us-east-1", "key": "campaign",
        "acl": "private", "querystring_auth": True, "overwrite": False, "connect": 3, "read": 15,
        "retries": {"max_attempts": 3, "mode": "standard"}, "s3": {"addressing_style": "path"},
        "checksums": "when_required",
    }


@pytest.mark.parametrize(("env", "message"), [
    ({"DJANGO_S3_ACCESS_KEY_ID": "campaign"},
     "DJANGO_S3_ACCESS_KEY_ID and DJANGO_S3_SECRET_ACCESS_KEY go together"),
    ({"DJANGO_S3_ENDPOINT_URL": "minio.intranet:9000"},
     "DJANGO_S3_ENDPOINT_URL must start with http:// or https://, not 'minio.intranet:9000'"),
])
def test_a_bad_s3_setting_is_refused(env, message):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_S3_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=django_settings.BASE_DIR, capture_output=True,
        text=True, env={**base, "DJANGO_S3_BUCKET": "campaign-photos", **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_is_clean_with_photos_in_a_bucket():
    from tests.campaign.test_deploy import PRODUCTION, _manage

    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION,
                     DJANGO_S3_BUCKET="campaign-photos", DJANGO_S3_ENDPOINT_URL="http://127.0.0.1:9000",
                     DJANGO_S3_ACCESS_KEY_ID="campaign", DJANGO_S3_SECRET_ACCESS_KEY="secret-of-the-test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
