"""SQLite's copy while the app writes (WAL mode): the backup API sees the commits still in the
-wal file, which copying the database file would miss, and writers carry on meanwhile."""

import io
import shutil
import sqlite3
import threading
import time
from contextlib import closing

from django.db.utils import ConnectionHandler

from campaign.backups import sqlite


def make_database(path):
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")     # every commit stays in the -wal file
    db.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT)")
    db.execute("INSERT INTO django_migrations (app, name) VALUES ('campaign', '0001_initial')")
    db.execute("CREATE TABLE campaign_photo (id INTEGER PRIMARY KEY, image TEXT, thumbnail TEXT)")
    for number in range(1, 501):
        db.execute("INSERT INTO campaign_photo (image, thumbnail) VALUES (?, ?)",
                   (f"photos/{number}.jpg", f"photos/{number}-thumb.jpg"))
    return db


def test_the_copy_holds_the_commits_still_in_the_wal_while_a_writer_goes_on(tmp_path, django_db_blocker):
    source = tmp_path / "live.sqlite3"
    writer_db = make_database(source)
    shutil.copyfile(source, tmp_path / "cp.sqlite3")      # what `cp` would have saved
    with closing(sqlite3.connect(tmp_path / "cp.sqlite3")) as naive:
        assert naive.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)

    done = threading.Event()
    written = [0]

    def write():
        while not done.is_set():
            writer_db.execute("INSERT INTO campaign_photo (image, thumbnail) VALUES ('photos/n.jpg', '')")
            written[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    wrapper = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3",
                                             "NAME": str(source)}})["default"]
    names = io.StringIO()
    try:
        while written[0] < 10:       # the writer is under way
            time.sleep(0.001)
        before = written[0]
        with django_db_blocker.unblock():
            found = sqlite.dump(wrapper, tmp_path / "copy.sqlite3", names)
            wrapper.close()
        after = written[0]
    finally:
        done.set()
        writer.join(10)
    assert 500 + before <= found.tables["campaign_photo"] <= 500 + after + 1
    assert found.tables["django_migrations"] == 1
    assert found.migrations == {"campaign": "0001_initial"}
    photos = found.tables["campaign_photo"]
    assert found.photo_files == 1000 + (photos - 500)     # added rows have no thumbnail
    assert len(names.getvalue().splitlines()) == found.photo_files
    assert not (tmp_path / "copy.sqlite3-wal").exists()
    with closing(sqlite3.connect(tmp_path / "copy.sqlite3")) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert copy.execute("SELECT count(*) FROM campaign_photo").fetchone() == (photos,)
    writer_db.close()
