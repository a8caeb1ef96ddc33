import os
import shutil
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
def test_pages_render_in_chinese_by_default(client):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page


@pytest.mark.django_db
def test_pages_render_in_english_when_the_browser_asks(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page


@pytest.mark.django_db
def test_language_switcher_sets_english(client):
    factories.UserFactory(username="wang")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log in" in client.get(reverse("login")).content.decode()


def test_chinese_catalogue_is_complete():
    """Every msgid has a translation and none is fuzzy (msgfmt --statistics counts them)."""
    po = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check", "-o", "/dev/null", str(po)],
        capture_output=True, text=True, check=True,
    )
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


def test_catalogue_is_up_to_date_with_the_code(tmp_path):
    """makemessages on a copy of the project adds no untranslated string: every marked string
    is translated. (A copy, because makemessages writes into the tree it runs in.)"""
    project = tmp_path / "project"
    for name in ["campaign", "inspections", "integrations", "templates", "locale"]:
        shutil.copytree(settings.BASE_DIR / name, project / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(settings.BASE_DIR / "manage.py", project / "manage.py")
    work = project / "locale"
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=project, capture_output=True, check=True,
        env={**os.environ, "DJANGO_LOCALE_DIR": str(work)},
    )
    result = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(work / "zh_Hans/LC_MESSAGES/django.po")],
        capture_output=True, text=True, check=True,
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
