"""Photo files between the storage and a backup directory.

Only through the storage API (open, exists, size, save), never a local path, so the same code
copies from and to local disk or an S3 bucket. One file at a time, in chunks: a city may hold
100,000 photos and none is ever held whole in memory. Every file is measured (size, SHA-256) on
the way, so a restore and a check can prove each one came back unchanged.
"""

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import Storage

from campaign.backups import BackupError, Problems, size_text

CHUNK = 1024 * 1024
Report = Callable[[str], None]


@dataclass
class Entry:
    """One line of photos.jsonl."""

    photo: int
    name: str
    size: int | None = None
    sha256: str | None = None
    missing: bool = False

    def line(self) -> str:
        fields: dict[str, Any] = {"photo": self.photo, "name": self.name}
        if self.missing:
            fields["missing"] = True
        elif self.size is not None:
            fields.update(size=self.size, sha256=self.sha256)
        return json.dumps(fields, ensure_ascii=False) + "\n"


@dataclass
class Tally:
    files: int = 0
    bytes: int = 0


class Progress:
    """A progress line every 1,000 files or 10 seconds, whichever comes first."""

    def __init__(self, report: Report, verb: str, total: int) -> None:
        self.report, self.verb, self.total = report, verb, total
        self.done = 0
        self.bytes = 0
        self.last = time.monotonic()

    def step(self, size: int) -> None:
        self.done += 1
        self.bytes += size
        now = time.monotonic()
        if self.done < self.total and (self.done % 1000 == 0 or now - self.last >= 10):
            self.last = now
            self.report(f"Photos: {self.done:,} of {self.total:,} files {self.verb} "
                        f"({size_text(self.bytes)})…")


def member_path(root: Path, name: str) -> Path:
    """Where a storage name lives inside a backup's photo directory; a name that would lead out
    of it (absolute, "..") is refused, whatever the database or the list says."""
    parts = name.split("/")
    if "\\" in name or "\x00" in name or any(part in ("", ".", "..") for part in parts):
        raise BackupError(f"Refusing the photo file name {name!r}: it does not stay inside {root}.")
    return root.joinpath(*parts)


def _measure(stream: IO[bytes], out: IO[bytes] | None = None) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return size, digest.hexdigest()


def measure_path(path: Path) -> tuple[int, str]:
    with open(path, "rb") as stream:
        return _measure(stream)


def measure_stored(storage: Storage, name: str) -> tuple[int, str]:
    with storage.open(name, "rb") as stream:
        return _measure(stream)


def read_names(path: Path) -> Iterator[tuple[int, str]]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            photo, name = json.loads(line)
            yield photo, name


def read_list(path: Path) -> Iterator[Entry]:
    """The entries of a backup's photos.jsonl, checked line by line."""
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                fields = json.loads(line)
                entry = Entry(photo=int(fields["photo"]), name=str(fields["name"]),
                              size=fields.get("size"), sha256=fields.get("sha256"),
                              missing=bool(fields.get("missing", False)))
            except (ValueError, KeyError, TypeError) as error:
                raise BackupError(f"{path}, line {number}, cannot be read: {error}") from error
            yield entry


def copy_out(storage: Storage, names: Path, root: Path, listing: IO[str], *, total: int,
             report: Report) -> tuple[Tally, list[Entry]]:
    """Copy every listed file from the storage into `root`; returns what was copied and the
    entries whose file the storage no longer has."""
    tally, missing = Tally(), []
    progress = Progress(report, "copied", total)
    for photo, name in read_names(names):
        target = member_path(root, name)
        if target.exists():           # two rows sharing one file: copied once
            size, sha256 = measure_path(target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                size, sha256 = _copy_one(storage, name, target)
            except FileNotFoundError:
                entry = Entry(photo, name, missing=True)
                missing.append(entry)
                listing.write(entry.line())
                progress.step(0)
                continue
            tally.files += 1
            tally.bytes += size
        listing.write(Entry(photo, name, size, sha256).line())
        progress.step(size)
    return tally, missing


def _copy_one(storage: Storage, name: str, target: Path) -> tuple[int, str]:
    try:
        with storage.open(name, "rb") as stream, open(target, "xb") as out:
            return _measure(stream, out)
    except Exception as error:
        target.unlink(missing_ok=True)
        # Backends differ in what a missing file raises, and when (S3 only on the first read):
        # ask the storage itself.
        if not storage.exists(name):
            raise FileNotFoundError(name) from error
        raise BackupError(f"The photo file {name} could not be copied: {error}") from error


def list_only(names: Path, listing: IO[str]) -> int:
    """--no-photos: the list of files without copying them (restore checks the storage has them)."""
    count = 0
    for photo, name in read_names(names):
        listing.write(Entry(photo, name).line())
        count += 1
    return count


def copy_in(storage: Storage, root: Path, listing: Path, *, total: int, report: Report,
            problems: Problems) -> tuple[Tally, int, int]:
    """Put every file of the backup back into the storage, never over a different file.
    Returns (written, already there and identical, recorded as missing by the backup)."""
    written, same, absent = Tally(), 0, 0
    progress = Progress(report, "restored", total)
    for entry in read_list(listing):
        if entry.missing:
            absent += 1
            progress.step(0)
            continue
        source = member_path(root, entry.name)
        if not source.is_file():
            problems.add(f"{entry.name}: not in the backup")
            progress.step(0)
            continue
        size, sha256 = measure_path(source)
        if (size, sha256) != (entry.size, entry.sha256):
            problems.add(f"{entry.name}: damaged in the backup (size or SHA-256 differs from the list)")
            progress.step(0)
            continue
        if storage.exists(entry.name):
            if measure_stored(storage, entry.name) == (size, sha256):
                same += 1
            else:
                problems.add(f"{entry.name}: the storage already holds a different file under this "
                             f"name; it was left as it is")
            progress.step(0)
            continue
        with open(source, "rb") as stream:
            saved = storage.save(entry.name, File(stream, name=entry.name))
        if saved != entry.name:
            storage.delete(saved)
            problems.add(f"{entry.name}: the storage saved it under another name ({saved}); removed")
            progress.step(0)
            continue
        written.files += 1
        written.bytes += size
        progress.step(size)
    return written, same, absent


def verify_stored(storage: Storage, listing: Path, problems: Problems) -> int:
    """Every listed file is in the storage with the listed size (sizes only: the contents were
    compared on the way in). Returns the number of files found."""
    found = 0
    for entry in read_list(listing):
        if entry.missing:
            continue
        if not storage.exists(entry.name):
            problems.add(f"{entry.name}: not in the storage")
        elif entry.size is not None and storage.size(entry.name) != entry.size:
            problems.add(f"{entry.name}: {storage.size(entry.name)} bytes in the storage, "
                         f"{entry.size} in the backup")
        else:
            found += 1
    return found


def check_copies(root: Path, listing: Path, problems: Problems) -> Tally:
    """Every file of a backup is there with its listed size and SHA-256."""
    tally = Tally()
    for entry in read_list(listing):
        if entry.missing or entry.size is None:
            continue
        source = member_path(root, entry.name)
        if not source.is_file():
            problems.add(f"{entry.name}: not in the backup")
            continue
        if measure_path(source) != (entry.size, entry.sha256):
            problems.add(f"{entry.name}: damaged (size or SHA-256 differs from the list)")
            continue
        tally.files += 1
        tally.bytes += entry.size
    return tally
