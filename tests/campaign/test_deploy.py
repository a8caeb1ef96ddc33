import os
import subprocess
import sys

from django.conf import settings


def _manage(*args, **env):
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a production
    # check must not inherit it (async.E001), whatever order the suite runs in.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, capture_output=True,
        text=True, env={**inherited, **env},
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x" * 20 + "-production-like-secret-for-the-deploy-check-0123456789",
    "DJANGO_ALLOWED_HOSTS": "chuangcheng.example.cn",
}


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_a_bad_boolean_setting_is_refused():
    result = _manage("check", DJANGO_DEBUG="perhaps")
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_seed_demo_refuses_without_debug():
    result = _manage("seed_demo", **PRODUCTION)
    assert result.returncode != 0
    assert "refuses to run with DJANGO_DEBUG off" in result.stderr
