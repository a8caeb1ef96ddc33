"""Photo files go through the storage API only, so a bucket works like the local disk: copied out
of one S3 bucket into a backup, and back into another (moto stands in for the object store)."""

import io
import json

import pytest

from campaign.backups import Problems
from campaign.backups import files as backup_files

moto = pytest.importorskip("moto")
s3 = pytest.importorskip("storages.backends.s3")


@pytest.fixture
def buckets():
    with moto.mock_aws():
        import boto3

        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test",
                              aws_secret_access_key="test")
        for name in ("live", "restored"):
            client.create_bucket(Bucket=name)

        def storage(bucket):
            return s3.S3Storage(bucket_name=bucket, region_name="us-east-1", access_key="test",
                                secret_key="test", default_acl="private", file_overwrite=True)

        yield storage("live"), storage("restored")


def test_photo_files_travel_from_a_bucket_into_a_backup_and_into_another_bucket(buckets, tmp_path):
    live, restored = buckets
    from django.core.files.base import ContentFile

    contents = {"photos/2026/03/a.jpg": b"a" * 3000, "photos/2026/03/a-thumb.jpg": b"t" * 300,
                "photos/2026/03/b.jpg": b"b" * 5000}
    for name, data in contents.items():
        assert live.save(name, ContentFile(data)) == name
    names = tmp_path / "names.jsonl"
    names.write_text("".join(json.dumps([1 + i // 2, name]) + "\n"
                             for i, name in enumerate([*contents, "photos/2026/03/gone.jpg"])))

    listing = io.StringIO()
    copied, missing = backup_files.copy_out(live, names, tmp_path / "photos", listing, total=4,
                                            report=lambda line: None)
    assert (copied.files, copied.bytes) == (3, 8300)
    assert [(entry.photo, entry.name) for entry in missing] == [(2, "photos/2026/03/gone.jpg")]
    assert (tmp_path / "photos" / "photos/2026/03/b.jpg").read_bytes() == b"b" * 5000
    (tmp_path / "photos.jsonl").write_text(listing.getvalue())

    problems = Problems()
    written, same, absent = backup_files.copy_in(
        restored, tmp_path / "photos", tmp_path / "photos.jsonl", total=4,
        report=lambda line: None, problems=problems)
    assert (written.files, written.bytes, same, absent, problems.count) == (3, 8300, 0, 1, 0)
    assert backup_files.verify_stored(restored, tmp_path / "photos.jsonl", problems) == 3
    for name, data in contents.items():
        with restored.open(name, "rb") as stream:
            assert stream.read() == data

    restored.delete("photos/2026/03/a.jpg")
    restored.save("photos/2026/03/a.jpg", ContentFile(b"x" * 10))
    again = Problems()
    written, same, absent = backup_files.copy_in(
        restored, tmp_path / "photos", tmp_path / "photos.jsonl", total=4,
        report=lambda line: None, problems=again)
    assert (written.files, same, again.shown) == (0, 2, [
        "photos/2026/03/a.jpg: the storage already holds a different file under this name; "
        "it was left as it is"])
    with restored.open("photos/2026/03/a.jpg", "rb") as stream:
        assert stream.read() == b"x" * 10
