import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from campaign.backups import inventory
from tests import factories

# The rows `city` makes in the tables a backup must carry, by table.
CITY_COUNTS = {
    "campaign_campaign": 1, "campaign_unit": 6, "campaign_user": 6, "campaign_membership": 6,
    "campaign_photo": 3, "campaign_task": 1, "inspections_rectification": 1,
    "inspections_rectificationevent": 1, "inspections_rectificationevent_photos": 2,
}


@pytest.fixture
def city(tree, people):
    """Three photos stored the real way (files, then the row), an item filed with two of them,
    and a task: data in the tables a backup must carry."""
    photos = [factories.store_photo_for(tree["street_a"], by=people["staff"]) for _ in range(3)]
    item = factories.file_item(tree["street_a"], by=people["inspector"], photos=photos[:2])
    task = factories.TaskFactory(unit=tree["street_a"])
    return {"photos": photos, "item": item, "task": task}


def live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return inventory.table_counts(cursor, connection.vendor)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py in a child process with these settings (DATABASE_URL="" means SQLite)."""
    base = {k: v for k, v in os.environ.items()
            if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "DJANGO_SQLITE_PATH",
                         "DJANGO_MEDIA_ROOT"}}
    base.update({k: v for k, v in env.items() if v})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR,
                          capture_output=True, text=True, env=base, timeout=300)
