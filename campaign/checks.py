"""Refuse to serve pages under production settings before the static files are collected for
them. With DJANGO_DEBUG=0 every page links its styles and scripts by the hashed names listed in
STATIC_ROOT/staticfiles.json; without that file every page is a 500 ("Missing staticfiles
manifest entry"). A collection made under debug settings (no manifest) is the usual cause.

campaign/wsgi.py refuses to load (gunicorn prints the message and exits); this check refuses
`runserver`, and `check` reports it.
"""

import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, register
from django.core.files.storage import storages

# The commands this check speaks in. Not the others: collectstatic writes the missing file, and
# the task worker, the supervision loop or a backup serve no page and need no static files
# (they may run on a machine that never collects them).
SERVING_COMMANDS = {"runserver", "check"}

COMMAND = "DJANGO_DEBUG=0 .venv/bin/python manage.py collectstatic --noinput"


def static_manifest_missing() -> str | None:
    """Why pages would fail for want of the static files' manifest, or None."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None       # debug settings: plain names, served from the finders
    if storage.manifest_storage.exists(storage.manifest_name):
        return None
    manifest = Path(settings.STATIC_ROOT) / storage.manifest_name
    return (
        f"Static files are not collected for production settings: {manifest} is missing, and "
        f"with DJANGO_DEBUG=0 every page links the hashed file names it lists. Run `make serve` "
        f"(it collects them), or `{COMMAND}` with the same DJANGO_STATIC_ROOT, then start again."
    )


@register()
def check_static_manifest(app_configs, **kwargs) -> list[Error]:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in SERVING_COMMANDS:
        return []
    problem = static_manifest_missing()
    return [Error(problem, id="campaign.E001")] if problem else []
