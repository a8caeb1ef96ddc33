"""Backups of a whole installation: the database, then the photos' files (`manage.py backup`,
`manage.py restore`).

Why database first, then photos, gives a consistent backup while the app runs:
campaign.photos.store_photo writes a photo's two files through the storage *before* its row
commits. So every Photo row a database snapshot holds already had its files when the snapshot was
taken, and they are still there when the copy reaches them a moment later. Copying in the other
order would miss the files of rows committed between the two steps. The list of files to copy is
read from the very snapshot that was dumped (PostgreSQL: the transaction whose exported snapshot
pg_dump uses; SQLite: the copy made with the backup API), and so are the row counts recorded in the
manifest, so the manifest describes exactly what a restore gets back.

The one exception: a photo stored for a step that is then refused is forgotten again
(inspections.services.forget_photos deletes its row and files). If that happens between the
snapshot and the copy, the snapshot holds a row whose files are gone; the backup records them as
missing and tells whether the row still exists in the live database (if not, nothing was lost).
Files no row refers to (left by a crash between writing the files and the commit) are not copied.
"""


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why and what to do, for the operator."""


class Problems:
    """What a check or a restore found wrong: all of them counted, the first few kept to show."""

    SHOWN = 20

    def __init__(self) -> None:
        self.count = 0
        self.shown: list[str] = []

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.shown) < self.SHOWN:
            self.shown.append(message)

    def __bool__(self) -> bool:
        return self.count > 0

    def summary(self) -> str:
        return f"{self.count} problem" if self.count == 1 else f"{self.count} problems"

    def text(self) -> str:
        lines = [f"  - {message}" for message in self.shown]
        if self.count > len(self.shown):
            lines.append(f"  … and {self.count - len(self.shown)} more")
        return "\n".join(lines)


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size:,} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
