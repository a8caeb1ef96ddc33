"""What backup and restore refuse, and what they say: in this process, on whichever database the
suite runs. A test whose backup must see rows commits them (transaction=True): pg_dump and the
snapshot read only committed rows."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from campaign.backups.files import Entry
from campaign.backups.services import still_referenced

pytestmark = pytest.mark.django_db
committed = pytest.mark.django_db(transaction=True)


def backup(output: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("backup", "--output", str(output), *args, stdout=out)
    return out.getvalue()


def check(directory: Path) -> str:
    out = io.StringIO()
    call_command("restore", "--check", str(directory), stdout=out)
    return out.getvalue()


def test_backup_refuses_a_directory_that_holds_anything(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("keep me")
    with pytest.raises(CommandError) as error:
        backup(tmp_path / "out")
    assert str(error.value) == (
        f"{tmp_path / 'out'} already exists and is not an empty directory: give a new one (e.g. one "
        f"named after the date), so that no backup is overwritten.\n"
        f"No backup was written to {tmp_path / 'out'}.")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]


@committed
def test_backup_fills_an_existing_empty_directory(city, tmp_path):
    (tmp_path / "out").mkdir()
    backup(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[:2] == ["database." + (
        "dump" if connection.vendor == "postgresql" else "sqlite3"), "manifest.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["media", "out"]


@committed
def test_a_backup_that_fails_halfway_leaves_nothing_behind(city, tmp_path):
    # A file the storage cannot read (a directory where the photo should be).
    name = city["photos"][1].image.name
    path = Path(settings.MEDIA_ROOT) / name
    path.unlink()
    path.mkdir()
    with pytest.raises(CommandError) as error:
        backup(tmp_path / "out")
    assert str(error.value).startswith(f"The photo file {name} could not be copied: [Errno 21] "
                                       f"Is a directory")
    assert str(error.value).endswith(f"\nNo backup was written to {tmp_path / 'out'}.")
    assert [p.name for p in tmp_path.iterdir()] == ["media"]


@committed
def test_a_photo_file_gone_from_the_storage_is_listed_and_the_backup_fails_loudly(city, tmp_path):
    photo = city["photos"][2]
    (Path(settings.MEDIA_ROOT) / photo.thumbnail.name).unlink()
    with pytest.raises(CommandError) as error:
        backup(tmp_path / "out")
    assert str(error.value) == (
        "1 photo file that the database refers to is missing from the storage; the backup lists "
        f"them as missing and holds everything else:\n  - {photo.thumbnail.name} (photo {photo.pk})")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert (manifest["photos"]["referenced"], manifest["photos"]["files"],
            manifest["photos"]["missing"]) == (6, 5, 1)
    lines = [json.loads(line) for line in (tmp_path / "out" / "photos.jsonl").read_text().splitlines()]
    assert lines[5] == {"photo": photo.pk, "name": photo.thumbnail.name, "missing": True}
    assert check(tmp_path / "out").splitlines()[-1].endswith(
        " tables, 5 photo files (1 missing from the storage when it was made).")


def test_a_missing_file_of_a_photo_deleted_since_the_dump_is_not_lost(city):
    kept = city["photos"][0]
    assert still_referenced([Entry(kept.pk, kept.image.name, missing=True),
                             Entry(kept.pk + 1000, "photos/gone.jpg", missing=True)]) == [
        Entry(kept.pk, kept.image.name, missing=True)]


@committed
def test_check_proves_a_backup_whole_and_names_a_damaged_photo(city, tmp_path):
    backup(tmp_path / "out")
    lines = check(tmp_path / "out").splitlines()
    assert lines[-1].startswith(f"The backup in {tmp_path / 'out'} is whole: ")
    assert lines[-1].endswith(" tables, 6 photo files.")

    name = city["photos"][0].thumbnail.name
    copy = tmp_path / "out" / "photos" / name
    copy.write_bytes(copy.read_bytes()[:-1] + b"\x00")
    with pytest.raises(CommandError) as error:
        check(tmp_path / "out")
    assert str(error.value) == (f"The backup in {tmp_path / 'out'} is damaged (1 problem):\n"
                                f"  - {name}: damaged (size or SHA-256 differs from the list)")


@committed
def test_check_names_a_damaged_database_file(tmp_path):
    backup(tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    database = tmp_path / "out" / manifest["database"]["file"]
    with open(database, "ab") as out:
        out.write(b"\x00")
    with pytest.raises(CommandError) as error:
        check(tmp_path / "out")
    assert str(error.value) == (
        f"The backup in {tmp_path / 'out'} is damaged (1 problem):\n"
        f"  - {database.name}: damaged (size or SHA-256 differs from the manifest)")


def test_restore_refuses_a_directory_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("restore", str(tmp_path))
    assert str(error.value) == (f"{tmp_path} holds no manifest.json: it is not a backup, or a "
                                f"backup that did not finish.")


@committed
def test_restore_refuses_a_backup_of_the_other_engine(tmp_path):
    backup(tmp_path / "out")
    path = tmp_path / "out" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["engine"] = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError) as error:
        call_command("restore", str(tmp_path / "out"))
    names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
    assert str(error.value) == (
        f"The backup is of a {names[manifest['engine']]} database and the settings point at "
        f"{names[connection.vendor]}: restore into the same engine (DATABASE_URL set for "
        f"PostgreSQL, unset for SQLite).")


@committed
def test_restore_never_touches_the_running_database(tmp_path):
    backup(tmp_path / "out")
    with pytest.raises(CommandError) as error:
        call_command("restore", str(tmp_path / "out"))
    if connection.vendor == "sqlite":   # the test database lives in memory
        assert str(error.value) == ("The database is an in-memory SQLite database: restore needs "
                                    "a file (set DJANGO_SQLITE_PATH).")
    else:
        assert str(error.value).startswith(
            f"The PostgreSQL database “{connection.settings_dict['NAME']}” is not empty: it has ")


def test_a_backup_is_never_made_inside_a_transaction(tmp_path):
    with pytest.raises(CommandError) as error:
        backup(tmp_path / "out")   # pytest-django's non-transactional test runs in one
    assert str(error.value) == ("A backup cannot be made inside a database transaction.\n"
                                f"No backup was written to {tmp_path / 'out'}.")
    assert list(tmp_path.iterdir()) == []


@committed
def test_a_storage_holding_none_of_the_photos_is_not_the_apps(city, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "elsewhere"
    with pytest.raises(CommandError) as error:
        backup(tmp_path / "out")
    assert str(error.value) == (
        f"None of the 6 photo files the database refers to is in the storage "
        f"({tmp_path / 'elsewhere'}): it is not the app's. Run backup with the app's settings "
        f"(DJANGO_MEDIA_ROOT or the bucket), or with --no-photos for the database alone.\n"
        f"No backup was written to {tmp_path / 'out'}.")
    assert "Photos: not copied (--no-photos); 6 file names listed." in backup(tmp_path / "out",
                                                                             "--no-photos")
