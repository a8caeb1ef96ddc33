"""Backup and restore on PostgreSQL: pg_dump of the test database (transaction=True, so the rows
are committed and visible to pg_dump), restored by a child process into a freshly created empty
database, which is dropped afterwards."""

import io
import json
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from PIL import Image

from campaign.backups import inventory
from tests.campaign.backups.conftest import CITY_COUNTS, live_counts, manage

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def connect(dbname: str) -> psycopg.Connection:
    config = connection.settings_dict
    return psycopg.connect(host=config["HOST"] or None, port=config["PORT"] or None,
                           user=config["USER"] or None, password=config["PASSWORD"] or None,
                           dbname=dbname, autocommit=True)


@pytest.fixture
def empty_database():
    """A new, empty database beside the test database; its URL. Dropped afterwards."""
    name = f"ct_backup_restore_{secrets.token_hex(4)}"
    with connect("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    config = connection.settings_dict
    login = quote(config["USER"] or "postgres")
    if config["PASSWORD"]:
        login += f":{quote(config['PASSWORD'])}"
    yield name, f"postgres://{login}@{config['HOST'] or 'localhost'}:{config['PORT'] or 5432}/{name}"
    with connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_an_empty_database_with_the_same_rows_and_photos(
        city, tmp_path, empty_database):
    name, url = empty_database
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backup"), stdout=out)
    source = live_counts()
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Backup of the PostgreSQL database into {tmp_path / 'backup'}"
    assert lines[1].startswith(f"Database: “{connection.settings_dict['NAME']}” (server ")
    assert lines[1].endswith(f" {len(source)} tables, {sum(source.values()):,} rows; its photos "
                             f"refer to 6 files.")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert (manifest["engine"], manifest["tables"], manifest["photos"]["files"]) == (
        "postgresql", source, 6)

    media = tmp_path / "restored-media"
    result = manage("restore", str(tmp_path / "backup"), DATABASE_URL=url, DJANGO_MEDIA_ROOT=str(media))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Restore complete from" in result.stdout

    with connect(name) as restored, restored.cursor() as cursor:
        counts = inventory.table_counts(cursor, "postgresql")
        cursor.execute("SELECT image, thumbnail, width, height FROM campaign_photo")
        rows = cursor.fetchall()
    assert counts == source
    assert {table: counts[table] for table in CITY_COUNTS} == CITY_COUNTS
    assert len(rows) == 3
    for image, thumbnail, width, height in rows:
        for file in (image, thumbnail):
            with Image.open(media / file) as picture:
                picture.load()
                assert (picture.format, picture.size) == ("JPEG", (width, height))
            assert (media / file).read_bytes() == (Path(settings.MEDIA_ROOT) / file).read_bytes()

    again = manage("restore", str(tmp_path / "backup"), DATABASE_URL=url, DJANGO_MEDIA_ROOT=str(media))
    assert again.returncode == 1
    assert again.stderr.startswith(
        f"CommandError: The PostgreSQL database “{name}” is not empty: it has {len(source)} tables; "
        f"django_migrations lists {source['django_migrations']} migrations. restore only fills an "
        f"empty database")


def test_a_backup_taken_while_photos_are_being_stored_restores_whole(city, tree, people, tmp_path,
                                                                     empty_database):
    """Another thread stores photos the whole time (files, then the row): the dump's rows, the
    manifest's counts and the copied files still agree, and the restore verifies."""
    from campaign.models import Photo
    from tests import factories

    _name, url = empty_database
    done, stored = threading.Event(), []

    def upload():
        try:
            while not done.is_set():
                stored.append(factories.store_photo_for(tree["street_b"], by=people["other_staff"]))
        finally:
            connections.close_all()

    writer = threading.Thread(target=upload)
    writer.start()
    try:
        while len(stored) < 3:      # the writer is under way before the backup starts
            time.sleep(0.01)
        before = len(stored)
        call_command("backup", "--output", str(tmp_path / "backup"), stdout=io.StringIO())
        during = len(stored) - before
    finally:
        done.set()
        writer.join(30)
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    photos = manifest["tables"]["campaign_photo"]
    assert during > 0
    assert Photo.objects.count() == 3 + len(stored)
    assert 3 + before <= photos <= 3 + len(stored)
    assert (manifest["photos"]["referenced"], manifest["photos"]["files"],
            manifest["photos"]["missing"]) == (2 * photos, 2 * photos, 0)

    result = manage("restore", str(tmp_path / "backup"), DATABASE_URL=url,
                    DJANGO_MEDIA_ROOT=str(tmp_path / "restored-media"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{2 * photos} photo files in the storage." in result.stdout
