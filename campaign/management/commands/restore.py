from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from campaign.backups import BackupError, size_text
from campaign.backups.manifest import ENGINE_NAMES
from campaign.backups.services import check_backup, restore_backup


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into the configured database, which must "
            "be empty, and the photo storage; then verify row counts and photo files. --check "
            "verifies the backup alone, restoring nothing.")
    # The system checks open the database (SQLite: creating the file) before restore has
    # looked at it; restore checks what it needs itself.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="the backup's directory")
        parser.add_argument("--check", action="store_true",
                            help="only verify the backup (database file, every photo file's "
                                 "SHA-256); restore nothing")
        parser.add_argument("--pg-bin", type=Path,
                            help="directory holding pg_restore (default: the PATH)")

    def handle(self, *args, directory, check, pg_bin, verbosity, **options):
        report = self.stdout.write if verbosity >= 1 else (lambda line: None)
        try:
            if check:
                self._check(directory, pg_bin, report)
            else:
                self._restore(directory, pg_bin, report)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except (OSError, DatabaseError) as error:   # a full disk, the database down
            raise CommandError(f"Restore failed: {error}") from error

    def _check(self, directory, pg_bin, report):
        result = check_backup(directory, pg_bin=pg_bin, report=report)
        manifest = result.manifest
        if result.problems:
            raise CommandError(f"The backup in {directory} is damaged "
                               f"({result.problems.summary()}):\n{result.problems.text()}")
        photos = (f"{result.photos.files:,} photo files" if manifest["photos"]["included"]
                  else "no photo files (--no-photos)")
        if manifest["photos"]["missing"]:
            photos += f" ({manifest['photos']['missing']:,} missing from the storage when it was made)"
        report(self.style.SUCCESS(
            f"The backup in {directory} is whole: {ENGINE_NAMES[manifest['engine']]} database of "
            f"{manifest['created_at']}, {manifest['rows']:,} rows in {len(manifest['tables'])} "
            f"tables, {photos}."))

    def _restore(self, directory, pg_bin, report):
        result = restore_backup(directory, pg_bin=pg_bin, report=report)
        manifest = result.manifest
        report(f"Verified: {len(result.tables)} tables, {sum(result.tables.values()):,} rows "
               f"(the manifest: {len(manifest['tables'])} tables, {manifest['rows']:,} rows); "
               f"{result.found:,} photo files in the storage.")
        if result.absent:
            report(self.style.WARNING(
                f"{result.absent} photo files were already missing when the backup was made "
                f"(photos.jsonl marks them \"missing\")."))
        if result.problems:
            raise CommandError(
                f"The restore does not match the backup ({result.problems.summary()}):\n"
                f"{result.problems.text()}")
        if result.pending_migrations:
            report(self.style.WARNING(
                f"This code has {result.pending_migrations} migrations the backup had not applied: "
                f"run `manage.py migrate` before starting the app."))
        report(self.style.SUCCESS(
            f"Restore complete from {directory} (made {manifest['created_at']}): "
            f"{manifest['rows']:,} rows, {result.written.files:,} photo files written "
            f"({size_text(result.written.bytes)})."))
