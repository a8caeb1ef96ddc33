"""What a database holds, read the same way from the snapshot being dumped, from a backup's SQLite
copy and from a restored database: the tables with their row counts, the last applied migration
of each app, and the photo files its Photo rows refer to.

Plain SQL over a DB-API cursor (sqlite3, psycopg or Django's), because the snapshot and the copy
are not Django's connection.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from campaign.models import Photo

TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' "
              "AND substr(name, 1, 7) <> 'sqlite_' ORDER BY name",
    "postgresql": "SELECT tablename FROM pg_catalog.pg_tables "
                  "WHERE schemaname = current_schema() ORDER BY tablename",
}
MIGRATIONS_TABLE = "django_migrations"
PHOTO_TABLE = Photo._meta.db_table


@dataclass
class Inventory:
    tables: dict[str, int]
    migrations: dict[str, str]
    photo_files: int = 0                      # files the Photo rows refer to (image + thumbnail)
    source: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_names(cursor: Any, vendor: str) -> list[str]:
    cursor.execute(TABLES[vendor])
    return [row[0] for row in cursor.fetchall()]


def table_counts(cursor: Any, vendor: str) -> dict[str, int]:
    """Rows of every table of the database (every model's, Django's own, the migrations')."""
    counts = {}
    for table in table_names(cursor, vendor):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = int(cursor.fetchone()[0])
    return counts


def last_migrations(cursor: Any, vendor: str) -> dict[str, str]:
    """The last migration applied in each app, in the order they were applied."""
    if MIGRATIONS_TABLE not in table_names(cursor, vendor):
        return {}
    cursor.execute(f"SELECT app, name FROM {MIGRATIONS_TABLE} ORDER BY id")
    return {app: name for app, name in cursor.fetchall()}


def photo_files(cursor: Any) -> Iterator[tuple[int, str]]:
    """(photo id, storage name) of every file a Photo row refers to, streamed from the cursor
    (give a server-side cursor for PostgreSQL)."""
    meta = Photo._meta
    columns = [str(meta.pk.column), str(meta.get_field("image").column),
               str(meta.get_field("thumbnail").column)]
    cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(meta.db_table)} "
                   f"ORDER BY {quote(columns[0])}")
    for pk, *names in cursor:
        for name in names:
            if name:
                yield int(pk), str(name)


def write_photo_names(cursor: Any, names: IO[str]) -> int:
    """Write [photo id, name] per line for every file the Photo rows refer to; returns how many."""
    count = 0
    for photo, name in photo_files(cursor):
        names.write(json.dumps([photo, name], ensure_ascii=False) + "\n")
        count += 1
    return count
