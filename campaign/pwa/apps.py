from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PwaConfig(AppConfig):
    """The installable app and its offline shell: the manifest, the service worker, the
    offline page (issue 15). The day pack's URL list is the inspections app's (it reads rounds
    and items; campaign never imports inspections)."""

    name = "campaign.pwa"
    label = "pwa"
    verbose_name = _("Installable app")
