"""The layout of a backup directory and its manifest.

    manifest.json      written last: a directory without it is not a backup
    database.dump      PostgreSQL (pg_dump --format=custom), or
    database.sqlite3   SQLite (a self-contained copy, journal mode DELETE)
    photos.jsonl       one line per photo file: {"photo": id, "name": …, "size": …, "sha256": …}
    photos/<name>      the files, under their storage names

The per-file list is a JSON Lines file rather than part of manifest.json so that a backup of
100,000 photos is written and read one line at a time; the manifest holds its size and SHA-256.
"""

import json
import os
from pathlib import Path
from typing import Any

from campaign.backups import BackupError

FORMAT = "campaign-tracker-backup"
VERSION = 1
MANIFEST = "manifest.json"
PHOTO_LIST = "photos.jsonl"
PHOTO_DIR = "photos"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}

Manifest = dict[str, Any]


def write(directory: Path, manifest: Manifest) -> None:
    """Write the manifest under a temporary name, then rename it: it appears whole or not at all."""
    partial = directory / f".{MANIFEST}.partial"
    with open(partial, "w", encoding="utf-8") as out:
        json.dump(manifest, out, ensure_ascii=False, indent=2, sort_keys=True)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, directory / MANIFEST)


def read(directory: Path) -> Manifest:
    """The manifest of a backup directory, checked for the fields restore relies on."""
    if not directory.is_dir():
        raise BackupError(f"{directory} is not a directory.")
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{directory} holds no {MANIFEST}: it is not a backup, or a backup that did not finish.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path} cannot be read: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not the manifest of a campaign tracker backup.")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{path} is a backup of format version {manifest.get('version')}; this code reads "
            f"version {VERSION}. Restore it with the version of the code that wrote it.")
    engine = manifest.get("engine")
    if engine not in DATABASE_FILES:
        raise BackupError(f"{path} names an unknown database engine: {engine!r}.")
    for key, kind in (("database", dict), ("tables", dict), ("migrations", dict), ("photos", dict)):
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"{path} lacks its “{key}” section.")
    return manifest
