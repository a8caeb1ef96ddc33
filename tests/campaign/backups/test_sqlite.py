"""Backup and restore on SQLite: the in-memory test database is backed up in this process, the
restore runs in a child process into a new SQLite file and a new media directory."""

import io
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from PIL import Image

from campaign.backups import inventory
from tests.campaign.backups.conftest import CITY_COUNTS, live_counts, manage

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite variant"),
]


def backup(output: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("backup", "--output", str(output), *args, stdout=out)
    return out.getvalue()


def sqlite_counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as db:
        return inventory.table_counts(db.cursor(), "sqlite")


def test_a_backup_restores_into_a_new_file_with_the_same_rows_and_photos(city, tmp_path):
    source = live_counts()
    output = backup(tmp_path / "backup")

    lines = output.splitlines()
    assert lines[0] == f"Backup of the SQLite database into {tmp_path / 'backup'}"
    assert lines[1].startswith("Database: ")
    assert f"{len(source)} tables, {sum(source.values()):,} rows; its photos refer to 6 files." in lines[1]
    assert lines[2].startswith("Photos: 6 files copied (")
    assert lines[3].startswith(f"Backup complete: {tmp_path / 'backup'} (")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["engine"] == "sqlite"
    assert manifest["tables"] == source
    assert manifest["photos"]["referenced"] == manifest["photos"]["files"] == 6
    assert manifest["migrations"]["campaign"] == source_last_migration("campaign")
    assert sorted(p.name for p in (tmp_path / "backup").iterdir()) == [
        "database.sqlite3", "manifest.json", "photos", "photos.jsonl"]

    target, media = tmp_path / "restored" / "db.sqlite3", tmp_path / "restored-media"
    result = manage("restore", str(tmp_path / "backup"),
                    DJANGO_SQLITE_PATH=str(target), DJANGO_MEDIA_ROOT=str(media))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (f"Verified: {len(source)} tables, {sum(source.values()):,} rows (the manifest: "
            f"{len(source)} tables, {sum(source.values()):,} rows); 6 photo files in the storage."
            ) in result.stdout
    assert "Restore complete from" in result.stdout

    restored = sqlite_counts(target)
    assert restored == source
    assert {table: restored[table] for table in CITY_COUNTS} == CITY_COUNTS
    with closing(sqlite3.connect(target)) as db:
        rows = db.execute("SELECT image, thumbnail, width, height FROM campaign_photo").fetchall()
    assert len(rows) == 3
    for image, thumbnail, width, height in rows:
        for name in (image, thumbnail):
            with Image.open(media / name) as picture:
                picture.load()
                assert (picture.format, picture.size) == ("JPEG", (width, height))
            assert (media / name).read_bytes() == (Path(settings.MEDIA_ROOT) / name).read_bytes()

    again = manage("restore", str(tmp_path / "backup"),
                   DJANGO_SQLITE_PATH=str(target), DJANGO_MEDIA_ROOT=str(media))
    assert again.returncode == 1
    assert again.stderr == (
        f"CommandError: {target} already holds a database ({len(source)} tables). restore only "
        f"fills an empty database, so that nothing is overwritten: set DJANGO_SQLITE_PATH to a "
        f"new file (or move this one away) and run restore again.\n")
    assert sqlite_counts(target) == source


def source_last_migration(app: str) -> str:
    with connection.cursor() as cursor:
        return inventory.last_migrations(cursor, connection.vendor)[app]


def test_restore_leaves_a_different_file_of_the_same_name_alone_and_fails(city, tmp_path):
    backup(tmp_path / "backup")
    name = city["photos"][0].image.name
    media = tmp_path / "restored-media"
    (media / name).parent.mkdir(parents=True)
    (media / name).write_bytes(b"another file")

    result = manage("restore", str(tmp_path / "backup"),
                    DJANGO_SQLITE_PATH=str(tmp_path / "new.sqlite3"), DJANGO_MEDIA_ROOT=str(media))
    size = city["photos"][0].image.size
    assert result.returncode == 1
    assert "Photos: 5 files restored (" in result.stdout
    assert result.stderr == (
        "CommandError: The restore does not match the backup (2 problems):\n"
        f"  - {name}: the storage already holds a different file under this name; it was left as it is\n"
        f"  - {name}: 12 bytes in the storage, {size} in the backup\n")
    assert (media / name).read_bytes() == b"another file"


def test_restore_counts_identical_files_already_in_the_storage(city, tmp_path):
    backup(tmp_path / "backup")
    result = manage("restore", str(tmp_path / "backup"),
                    DJANGO_SQLITE_PATH=str(tmp_path / "new.sqlite3"),
                    DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    assert result.returncode == 0, result.stderr
    assert "Photos: 0 files restored (0 bytes), 6 already in the storage." in result.stdout


def test_a_backup_without_photos_restores_against_a_storage_that_kept_them(city, tmp_path):
    output = backup(tmp_path / "backup", "--no-photos")
    assert "Photos: not copied (--no-photos); 6 file names listed." in output
    assert not (tmp_path / "backup" / "photos").exists()
    listed = [json.loads(line) for line in (tmp_path / "backup" / "photos.jsonl").read_text().splitlines()]
    assert [entry["name"] for entry in listed] == [
        name for photo in city["photos"] for name in (photo.image.name, photo.thumbnail.name)]

    kept = manage("restore", str(tmp_path / "backup"), DJANGO_SQLITE_PATH=str(tmp_path / "a.sqlite3"),
                  DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    assert kept.returncode == 0, kept.stderr
    assert "6 photo files in the storage." in kept.stdout

    empty = manage("restore", str(tmp_path / "backup"), DJANGO_SQLITE_PATH=str(tmp_path / "b.sqlite3"),
                   DJANGO_MEDIA_ROOT=str(tmp_path / "empty-media"))
    assert empty.returncode == 1
    assert empty.stderr.startswith("CommandError: The restore does not match the backup (6 problems):\n"
                                   f"  - {city['photos'][0].image.name}: not in the storage\n")


def test_a_backup_with_a_wrong_database_path_creates_nothing(tmp_path):
    result = manage("backup", "--output", str(tmp_path / "out"),
                    DJANGO_SQLITE_PATH=str(tmp_path / "typo.sqlite3"))
    assert result.returncode == 1
    assert result.stderr == (
        f"CommandError: There is no SQLite database at {tmp_path / 'typo.sqlite3'}: run backup with "
        f"the app's settings (DJANGO_SQLITE_PATH, DATABASE_URL).\n"
        f"No backup was written to {tmp_path / 'out'}.\n")
    assert list(tmp_path.iterdir()) == []


def test_a_database_without_migrations_is_not_backed_up(tmp_path):
    with closing(sqlite3.connect(tmp_path / "other.sqlite3")) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    result = manage("backup", "--output", str(tmp_path / "out"),
                    DJANGO_SQLITE_PATH=str(tmp_path / "other.sqlite3"))
    assert result.returncode == 1
    assert result.stderr.startswith(
        "CommandError: The database other.sqlite3 (SQLite ")
    assert ") has no migrations applied: it is not the app's. Run backup with the app's settings " \
           "(its env file).\n" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["other.sqlite3"]
