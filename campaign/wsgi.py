import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
application = get_wsgi_application()

from campaign.checks import static_manifest_missing  # noqa: E402  (needs the settings loaded)

_problem = static_manifest_missing()
if _problem:
    # Refuse to serve rather than answer 500 on every page. gunicorn prints a RuntimeError
    # raised while loading the application as one line and exits.
    raise RuntimeError(_problem)
