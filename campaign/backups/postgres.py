"""PostgreSQL: pg_dump inside a snapshot shared with the inventory; pg_restore into an empty
database.

The connection comes from Django's settings; the password reaches pg_dump and pg_restore through
PGPASSWORD in their environment, never on a command line (where `ps` shows it). The client tools
must be at least the server's major version: an older pg_dump refuses a newer server.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import IO, Any

from campaign.backups import BackupError, inventory
from campaign.backups.inventory import Inventory

VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(\S*)")
# libpq reads these from the environment; dj-database-url puts them in OPTIONS.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "options": "PGOPTIONS",
    "passfile": "PGPASSFILE", "service": "PGSERVICE", "target_session_attrs": "PGTARGETSESSIONATTRS",
}


def client_tool(tool: str, pg_bin: Path | None, server_major: int) -> tuple[str, str]:
    """The path and version ("15.20") of pg_dump or pg_restore, refused when missing or older
    than the server."""
    install = (f"Install the PostgreSQL client tools of version {server_major} or newer (Debian "
               f"and Ubuntu: apt-get install postgresql-client-{server_major}), or give --pg-bin "
               f"the directory that holds {tool} (e.g. /usr/lib/postgresql/{server_major}/bin).")
    if pg_bin is not None:
        path: str | None = str(pg_bin / tool) if (pg_bin / tool).is_file() else None
        where = f"in {pg_bin}"
    else:
        path = shutil.which(tool)
        where = "on the PATH"
    if path is None:
        raise BackupError(f"{tool} was not found {where}. {install}")
    try:
        output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True,
                                timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise BackupError(f"{path} --version failed ({error}). {install}") from error
    major, version = parse_version(output)
    if major is None:
        raise BackupError(f"{path} does not say which version it is ({output.strip()!r}). {install}")
    if major < server_major:
        raise BackupError(
            f"{path} is version {version}, older than the database server ({server_major}): "
            f"{tool} must be of the server's major version or newer. {install}")
    return path, version


def parse_version(output: str) -> tuple[int | None, str]:
    match = VERSION.search(output)
    if match is None:
        return None, ""
    return int(match[1]), match[1] + match[2]


def server_version(number: int) -> tuple[int, str]:
    """(major, "15.20") from libpq's server_version (150020)."""
    return number // 10000, f"{number // 10000}.{number % 10000}"


def libpq_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The child's environment: the caller's, plus the connection settings as libpq variables."""
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                          ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for option, variable in LIBPQ_OPTIONS.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value is not None:
            env[variable] = str(value)
    env["PGAPPNAME"] = "campaign-backup"
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = "\n".join(result.stderr.strip().splitlines()[-15:]) or "(no message)"
        raise BackupError(f"{what} failed (exit status {result.returncode}):\n{detail}")


def dump(connection: Any, target: Path, names: IO[str], *, pg_bin: Path | None) -> Inventory:
    """pg_dump the database into `target` and read its inventory, both in one snapshot: a
    REPEATABLE READ transaction exports its snapshot, pg_dump --snapshot uses it, and the counts
    and photo names are read in that same transaction. So the manifest describes exactly the
    dump, however many writes the app makes meanwhile."""
    reader = connection.copy()   # its own connection: never inside a caller's transaction
    try:
        reader.ensure_connection()
        major, version = server_version(reader.connection.info.server_version)
        pg_dump, client_version = client_tool("pg_dump", pg_bin, major)
        reader.set_autocommit(False)
        raw = reader.connection
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}",
              "--no-password"],
             libpq_env(reader.settings_dict), "pg_dump")
        with raw.cursor() as cursor:
            tables = inventory.table_counts(cursor, "postgresql")
            migrations = inventory.last_migrations(cursor, "postgresql")
        count = 0
        if inventory.PHOTO_TABLE in tables:
            with raw.cursor(name="campaign_backup_photos") as cursor:   # server-side: streamed
                cursor.itersize = 2000
                count = inventory.write_photo_names(cursor, names)
        reader.rollback()
    finally:
        reader.close()
    return Inventory(tables, migrations, count, {
        "database": str(connection.settings_dict["NAME"]), "server_version": version,
        "pg_dump_version": client_version,
    })


def nonempty_reason(connection: Any) -> str | None:
    """Why the target database is not empty (restore fills only an empty one), or None."""
    with connection.cursor() as cursor:
        tables = inventory.table_names(cursor, "postgresql")
        if not tables:
            return None
        migrations = ""
        if inventory.MIGRATIONS_TABLE in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {inventory.MIGRATIONS_TABLE}")
            migrations = f"; {inventory.MIGRATIONS_TABLE} lists {cursor.fetchone()[0]} migrations"
    name = connection.settings_dict["NAME"]
    user = connection.settings_dict.get("USER") or "postgres"
    return (f"The PostgreSQL database “{name}” is not empty: it has {len(tables)} tables"
            f"{migrations}. restore only fills an empty database, so that nothing is overwritten "
            f"or mixed. Create an empty one (e.g. `createdb -O {user} {name}_restored`; do not run "
            f"migrate in it), point DATABASE_URL at it and run restore again.")


def restore(connection: Any, archive: Path, *, pg_bin: Path | None, written_by: str) -> None:
    """pg_restore the archive into the (empty) database in one transaction: it fails whole."""
    connection.ensure_connection()
    major, _version = server_version(connection.connection.info.server_version)
    pg_restore, version = client_tool("pg_restore", pg_bin, major)
    dump_major, _ = parse_version(f"(PostgreSQL) {written_by}")
    restore_major, _ = parse_version(f"(PostgreSQL) {version}")
    if dump_major is not None and restore_major is not None and restore_major < dump_major:
        raise BackupError(
            f"{pg_restore} is version {version}; the backup was written by pg_dump {written_by}, "
            f"which an older pg_restore cannot read. Install postgresql-client-{dump_major} or "
            f"newer, or give --pg-bin.")
    _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          "--no-password", f"--dbname={connection.settings_dict['NAME']}", str(archive)],
         libpq_env(connection.settings_dict), "pg_restore")


def list_archive(archive: Path, *, pg_bin: Path | None) -> str:
    """Read the archive's table of contents (pg_restore --list): proves it is a whole archive."""
    tool = str(pg_bin / "pg_restore") if pg_bin else shutil.which("pg_restore")
    if tool is None:
        raise BackupError("pg_restore was not found on the PATH: the archive could not be read. "
                          "Install the PostgreSQL client tools, or give --pg-bin.")
    result = subprocess.run([tool, "--list", str(archive)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore cannot read {archive}: {result.stderr.strip()}")
    return result.stdout
