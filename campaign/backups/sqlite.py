"""SQLite: a copy through the backup API; restore by putting that copy in place of an empty file.

Copying the database file with `cp` while the app runs can catch it between two writes, and in
WAL mode the latest commits live in the -wal file anyway. The backup API reads the database in
one read transaction, so the copy is one consistent state; under WAL the app's writers carry on
meanwhile (readers never block them).
"""

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import IO, Any

from campaign.backups import BackupError, inventory
from campaign.backups.inventory import Inventory


def dump(connection: Any, target: Path, names: IO[str]) -> Inventory:
    """Copy the database into `target` (one self-contained file) and read its inventory from the
    copy, so the manifest describes exactly what was copied."""
    if not connection.is_in_memory_db() and not Path(connection.settings_dict["NAME"]).is_file():
        # Connecting would create an empty database there.
        raise BackupError(f"There is no SQLite database at {connection.settings_dict['NAME']}: "
                          f"run backup with the app's settings (DJANGO_SQLITE_PATH, DATABASE_URL).")
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)    # all pages in one step: one snapshot
        # The copy carries the source's WAL flag; a backup is one file with no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    with closing(_read_only(target)) as copy:
        cursor = copy.cursor()
        tables = inventory.table_counts(cursor, "sqlite")
        migrations = inventory.last_migrations(cursor, "sqlite")
        count = (inventory.write_photo_names(copy.cursor(), names)
                 if inventory.PHOTO_TABLE in tables else 0)
    return Inventory(tables, migrations, count, {
        "database": Path(connection.settings_dict["NAME"]).name, "sqlite_version": sqlite3.sqlite_version,
    })


def read(path: Path, names: IO[str]) -> tuple[Inventory, str]:
    """A backup's copy: its inventory and SQLite's integrity check ("ok" when sound)."""
    with closing(_read_only(path)) as copy:
        cursor = copy.cursor()
        try:
            integrity = "; ".join(row[0] for row in cursor.execute("PRAGMA integrity_check"))
            tables = inventory.table_counts(cursor, "sqlite")
            migrations = inventory.last_migrations(cursor, "sqlite")
            count = (inventory.write_photo_names(copy.cursor(), names)
                     if inventory.PHOTO_TABLE in tables else 0)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a readable SQLite database: {error}") from error
    return Inventory(tables, migrations, count), integrity


def target_path(connection: Any) -> Path:
    if connection.is_in_memory_db():
        raise BackupError("The database is an in-memory SQLite database: restore needs a file "
                          "(set DJANGO_SQLITE_PATH).")
    return Path(connection.settings_dict["NAME"])


def nonempty_reason(connection: Any) -> str | None:
    """Why the target file is not empty, or None. Empty: no file, a zero-byte file, or a database
    without tables (opening one, as Django does, already writes its header)."""
    path = target_path(connection)
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        with closing(_read_only(path)) as db:
            tables = inventory.table_names(db.cursor(), "sqlite")
    except sqlite3.DatabaseError as error:
        return f"{path} exists and is not an empty SQLite database ({error})."
    if not tables:
        return None
    return (f"{path} already holds a database ({len(tables)} tables). restore only fills an "
            f"empty database, so that nothing is overwritten: set DJANGO_SQLITE_PATH to a new "
            f"file (or move this one away) and run restore again.")


def restore(connection: Any, source: Path) -> None:
    """Put the backup's copy in place of the empty target: copied beside it, then renamed over
    it, so the target is never half a file."""
    path = target_path(connection)
    connection.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.restoring")
    shutil.copyfile(source, partial)
    for suffix in ("-wal", "-shm"):       # left by the empty database opened before: not ours
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(partial, path)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
