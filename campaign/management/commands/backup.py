from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from campaign.backups import BackupError, size_text
from campaign.backups.services import make_backup


class Command(BaseCommand):
    help = ("Write a backup (the database, then the photo files, then manifest.json) into a new "
            "directory. Runs while the app serves; see the README's Backups section.")
    # The system checks open the database, and SQLite's opening creates a missing file: a
    # mistyped path would be backed up as a new empty database.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path,
                            help="a new (or empty) directory, e.g. /var/backups/campaign/2026-03-10")
        parser.add_argument("--no-photos", action="store_true",
                            help="list the photo files without copying them (an S3 bucket with "
                                 "versioning keeps them itself)")
        parser.add_argument("--pg-bin", type=Path,
                            help="directory holding pg_dump (default: the PATH), e.g. "
                                 "/usr/lib/postgresql/16/bin")

    def handle(self, *args, output, no_photos, pg_bin, verbosity, **options):
        report = self.stdout.write if verbosity >= 1 else (lambda line: None)
        try:
            result = make_backup(output, photos=not no_photos, pg_bin=pg_bin, report=report)
        except (BackupError, OSError, DatabaseError) as error:   # a full disk, the database down
            raise CommandError(f"{error}\nNo backup was written to {output}.") from error
        size = sum(p.stat().st_size for p in result.path.iterdir() if p.is_file()) + result.copied.bytes
        report(self.style.SUCCESS(f"Backup complete: {result.path} ({size_text(size)})."))
        if result.lost:
            shown = "\n".join(f"  - {entry.name} (photo {entry.photo})" for entry in result.lost[:20])
            more = f"\n  … and {len(result.lost) - 20} more" if len(result.lost) > 20 else ""
            files = ("1 photo file that the database refers to is" if len(result.lost) == 1
                     else f"{len(result.lost)} photo files that the database refers to are")
            raise CommandError(
                f"{files} missing from the storage; the backup lists them as missing and holds "
                f"everything else:\n{shown}{more}")
