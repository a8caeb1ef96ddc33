"""Make, check and restore a backup (the commands are thin wrappers around these three).

A backup is written into a hidden temporary directory beside the destination and renamed to it
only once the manifest is written: an interrupted backup never looks complete, and its temporary
directory is removed (one killed outright leaves `.NAME.incomplete-…`, never NAME).
"""

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from campaign.backups import BackupError, Problems, files, inventory, manifest, postgres, size_text, sqlite
from campaign.backups.files import Entry
from campaign.backups.inventory import Inventory
from campaign.models import Photo

Report = Callable[[str], None]
NAMES = ".photo-names.jsonl"   # the snapshot's file names, before they are copied


def _quiet(line: str) -> None:
    pass


def photo_storage():
    """The storage the Photo files live in (the default storage: local disk or S3)."""
    return Photo._meta.get_field("image").storage


@dataclass
class BackupResult:
    path: Path
    inventory: Inventory
    photos_included: bool
    copied: files.Tally
    missing: list[Entry]
    lost: list[Entry]            # missing, and their row still exists: really gone from storage


def make_backup(output: Path, *, photos: bool = True, pg_bin: Path | None = None,
                report: Report = _quiet, alias: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write a backup into `output`, a new or empty directory."""
    output = output.absolute()
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise BackupError(f"{output} already exists and is not an empty directory: give a new one "
                          f"(e.g. one named after the date), so that no backup is overwritten.")
    connection = connections[alias]
    if connection.in_atomic_block:
        # The backup reads committed rows in its own snapshot; SQLite's backup API would wait
        # for ever on the caller's open write transaction.
        raise BackupError("A backup cannot be made inside a database transaction.")
    if connection.vendor not in manifest.DATABASE_FILES:
        raise BackupError(f"Backups cover PostgreSQL and SQLite, not {connection.vendor}.")
    output.parent.mkdir(parents=True, exist_ok=True)
    # mkdtemp makes it readable by its owner only: a backup holds password hashes and names.
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}.incomplete-", dir=output.parent))
    try:
        result = _write(work, output, photos=photos, pg_bin=pg_bin, report=report, alias=alias)
        os.replace(work, output)          # replaces an empty `output` directory too
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result


def _write(work: Path, output: Path, *, photos: bool, pg_bin: Path | None, report: Report,
           alias: str) -> BackupResult:
    started = time.monotonic()
    created_at = timezone.now()
    connection = connections[alias]
    engine = connection.vendor
    database = work / manifest.DATABASE_FILES[engine]
    names = work / NAMES
    report(f"Backup of the {manifest.ENGINE_NAMES[engine]} database into {output}")
    with open(names, "w", encoding="utf-8") as out:
        if engine == "postgresql":
            found = postgres.dump(connection, database, out, pg_bin=pg_bin)
        else:
            found = sqlite.dump(connection, database, out)
    if not found.migrations:
        # A cron job without the app's environment reaches another (new, empty) database.
        raise BackupError(f"The database {_describe(engine, found.source)} has no migrations "
                          f"applied: it is not the app's. Run backup with the app's settings "
                          f"(its env file).")
    db_size, db_sha256 = files.measure_path(database)
    report(f"Database: {_describe(engine, found.source)} copied: {size_text(db_size)}, "
           f"{len(found.tables)} tables, {found.rows:,} rows; its photos refer to "
           f"{found.photo_files:,} files.")

    listing = work / manifest.PHOTO_LIST
    copied = files.Tally()
    missing: list[Entry] = []
    with open(listing, "w", encoding="utf-8") as out:
        if photos:
            copied, missing = files.copy_out(photo_storage(), names, work / manifest.PHOTO_DIR, out,
                                             total=found.photo_files, report=report)
        else:
            files.list_only(names, out)
    names.unlink()
    if photos and found.photo_files and len(missing) == found.photo_files:
        raise BackupError(
            f"None of the {found.photo_files:,} photo files the database refers to is in the "
            f"storage ({_where(photo_storage())}): it is not the app's. Run backup with the app's "
            f"settings (DJANGO_MEDIA_ROOT or the bucket), or with --no-photos for the database "
            f"alone.")
    lost = still_referenced(missing)
    if photos:
        report(f"Photos: {copied.files:,} files copied ({size_text(copied.bytes)}).")
        if missing:
            report(f"Photos: {len(missing)} files were not in the storage "
                   f"({len(missing) - len(lost)} of them belong to photos deleted since the dump).")
    else:
        report(f"Photos: not copied (--no-photos); {found.photo_files:,} file names listed.")

    list_size, list_sha256 = files.measure_path(listing)
    manifest.write(work, {
        "format": manifest.FORMAT, "version": manifest.VERSION,
        "created_at": created_at.isoformat(), "seconds": round(time.monotonic() - started, 1),
        "engine": engine, "source": found.source,
        "database": {"file": database.name, "size": db_size, "sha256": db_sha256},
        "migrations": found.migrations, "tables": found.tables, "rows": found.rows,
        "photos": {
            "included": photos, "list": manifest.PHOTO_LIST, "list_size": list_size,
            "list_sha256": list_sha256, "referenced": found.photo_files, "files": copied.files,
            "bytes": copied.bytes, "missing": len(missing),
        },
    })
    return BackupResult(output, found, photos, copied, missing, lost)


def _describe(engine: str, source: dict[str, str]) -> str:
    if engine == "postgresql":
        return (f"“{source['database']}” (server {source['server_version']}, "
                f"pg_dump {source['pg_dump_version']})")
    return f"{source['database']} (SQLite {source['sqlite_version']})"


def _where(storage: Any) -> str:
    for attribute in ("bucket_name", "base_location"):
        if getattr(storage, attribute, None):
            return str(getattr(storage, attribute))
    return type(storage).__name__


def still_referenced(missing: list[Entry]) -> list[Entry]:
    """The missing files whose Photo row the live database still has: those are lost, not
    forgotten photos of a refused step."""
    alive: set[int] = set()
    ids = sorted({entry.photo for entry in missing})
    for start in range(0, len(ids), 1000):
        alive.update(Photo.objects.filter(pk__in=ids[start:start + 1000]).values_list("pk", flat=True))
    return [entry for entry in missing if entry.photo in alive]


# ---- check ------------------------------------------------------------------------------------

@dataclass
class CheckResult:
    manifest: manifest.Manifest
    photos: files.Tally
    problems: Problems = field(default_factory=Problems)


def check_backup(path: Path, *, pg_bin: Path | None = None, report: Report = _quiet) -> CheckResult:
    """Prove a backup whole without restoring it: the database file and the photo list match the
    manifest, the database reads (SQLite: integrity check, and its counts are the manifest's;
    PostgreSQL: pg_restore reads the archive's contents), every photo file has its size and
    SHA-256."""
    found = manifest.read(path)
    problems = Problems()
    _check_files(path, found, problems)
    database = path / found["database"]["file"]
    if not problems:
        if found["engine"] == "sqlite":
            with tempfile.TemporaryFile("w+", encoding="utf-8") as names:
                copy, integrity = sqlite.read(database, names)
            if integrity != "ok":
                problems.add(f"{database.name}: SQLite's integrity check says: {integrity[:500]}")
            _compare(copy.tables, found["tables"], "in the backup's database", problems)
            if copy.photo_files != found["photos"]["referenced"]:
                problems.add(f"{database.name} refers to {copy.photo_files} photo files, the manifest "
                             f"to {found['photos']['referenced']}")
        else:
            contents = postgres.list_archive(database, pg_bin=pg_bin)
            report(f"Database: pg_restore reads the archive ({len(contents.splitlines())} lines of "
                   f"contents).")
    photos = files.Tally()
    if found["photos"]["included"]:
        try:
            photos = files.check_copies(path / manifest.PHOTO_DIR, path / manifest.PHOTO_LIST,
                                        problems)
        except BackupError as error:     # a damaged list: said once, not per line
            problems.add(str(error))
        report(f"Photos: {photos.files:,} files checked ({size_text(photos.bytes)}).")
    return CheckResult(found, photos, problems)


def _check_files(path: Path, found: manifest.Manifest, problems: Problems) -> None:
    database = path / str(found["database"].get("file", ""))
    listing = path / manifest.PHOTO_LIST
    for file, size, sha256 in (
        (database, found["database"].get("size"), found["database"].get("sha256")),
        (listing, found["photos"].get("list_size"), found["photos"].get("list_sha256")),
    ):
        if not file.is_file():
            problems.add(f"{file.name}: not in the backup")
        elif files.measure_path(file) != (size, sha256):
            problems.add(f"{file.name}: damaged (size or SHA-256 differs from the manifest)")


def _compare(actual: dict[str, Any], expected: dict[str, Any], where: str, problems: Problems) -> None:
    for key in sorted(set(actual) | set(expected)):
        if actual.get(key) != expected.get(key):
            problems.add(f"{key}: {actual.get(key, 'absent')} {where}, "
                         f"{expected.get(key, 'absent')} in the manifest")


# ---- restore ----------------------------------------------------------------------------------

@dataclass
class RestoreResult:
    manifest: manifest.Manifest
    tables: dict[str, int]
    written: files.Tally
    already: int
    absent: int
    found: int
    pending_migrations: int
    problems: Problems


def restore_backup(path: Path, *, pg_bin: Path | None = None, report: Report = _quiet,
                   alias: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Restore a backup into the configured, empty database and storage, then verify it: every
    table's row count and each app's last migration are the manifest's, every photo file is in
    the storage with its size. Refused before anything is written if the database is not empty,
    the engines differ or the backup is damaged."""
    found = manifest.read(path)
    connection = connections[alias]
    engine = connection.vendor
    if engine != found["engine"]:
        raise BackupError(
            f"The backup is of a {manifest.ENGINE_NAMES[found['engine']]} database and the settings "
            f"point at {manifest.ENGINE_NAMES.get(engine, engine)}: restore into the same engine "
            f"(DATABASE_URL set for PostgreSQL, unset for SQLite).")
    problems = Problems()
    _check_files(path, found, problems)
    if problems:
        raise BackupError(f"The backup in {path} is damaged; nothing was restored:\n{problems.text()}")
    database = path / found["database"]["file"]
    module = postgres if engine == "postgresql" else sqlite
    reason = module.nonempty_reason(connection)
    if reason:
        raise BackupError(reason)

    report(f"Database: restoring {size_text(found['database']['size'])} "
           f"({found['rows']:,} rows in {len(found['tables'])} tables)…")
    if engine == "postgresql":
        postgres.restore(connection, database, pg_bin=pg_bin,
                         written_by=str(found.get("source", {}).get("pg_dump_version", "")))
    else:
        sqlite.restore(connection, database)
    report("Database: restored.")

    storage = photo_storage()
    listing = path / manifest.PHOTO_LIST
    written, already, absent = files.Tally(), 0, 0
    if found["photos"]["included"]:
        written, already, absent = files.copy_in(
            storage, path / manifest.PHOTO_DIR, listing, total=found["photos"]["referenced"],
            report=report, problems=problems)
        report(f"Photos: {written.files:,} files restored ({size_text(written.bytes)}), "
               f"{already:,} already in the storage.")
    else:
        report("Photos: not in this backup (made with --no-photos): checking the storage has them.")

    with connection.cursor() as cursor:
        tables = inventory.table_counts(cursor, engine)
        migrations = inventory.last_migrations(cursor, engine)
    _compare(tables, found["tables"], "rows restored", problems)
    _compare(migrations, found["migrations"], "restored as the last migration", problems)
    present = files.verify_stored(storage, listing, problems)
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    return RestoreResult(found, tables, written, already, absent, present, pending, problems)
