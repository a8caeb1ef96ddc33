"""Wait until the database accepts connections: the production start (deploy/serve) runs it
before migrating, so a server booting before its database, or while the database restarts,
waits with one clear line per try instead of failing with a traceback."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

RETRY_EVERY = 2     # seconds between tries
POSTGRES_PORT = 5432


def describe(settings_dict: dict) -> str:
    """The database as an operator names it: host:port/name, or the SQLite file."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return str(settings_dict["NAME"])
    host = settings_dict.get("HOST") or "local socket"
    port = settings_dict.get("PORT") or POSTGRES_PORT
    return f"{host}:{port}/{settings_dict['NAME']}"


def reason(error: BaseException) -> str:
    """The driver's reason, short. psycopg's first line ends with it: "connection failed:
    connection to server at "…", port 5432 failed: Connection refused" (or "FATAL:  database
    "x" does not exist")."""
    lines = str(error).strip().splitlines()
    text = lines[0].rpartition(" failed: ")[2] if lines else ""
    text = text.removeprefix("FATAL:").strip()
    if not text:
        return type(error).__name__
    # "Connection refused" reads as part of the sentence; "SSL …" keeps its capitals.
    return text[0].lower() + text[1:] if text[1:2].islower() else text


class Command(BaseCommand):
    help = "Wait until the database accepts connections; exit non-zero after --timeout seconds."
    # Runs before anything else touches the database; no system check needs to run first.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=int, default=120,
                            help="Give up after this many seconds (default 120).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, timeout: int, database: str, **options) -> None:
        connection = connections[database]
        target = describe(connection.settings_dict)
        deadline = time.monotonic() + timeout
        while True:
            try:
                connection.ensure_connection()
            except (OperationalError, InterfaceError) as error:
                why = reason(error)
                if time.monotonic() >= deadline:
                    raise CommandError(
                        f"database {target} still not reachable after {timeout} s ({why}); "
                        "giving up") from None
                self.stderr.write(f"database {target} not reachable ({why}); "
                                  f"retrying in {RETRY_EVERY} s")
                time.sleep(RETRY_EVERY)
            else:
                self.stdout.write(f"database {target} is up")
                return
