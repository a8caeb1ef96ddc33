from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("Campaign")

    def ready(self) -> None:
        from campaign import checks  # noqa: F401  (registers the system check)
        from campaign.accounts import timeouts  # noqa: F401  (starts the session clocks at log-in)
        from campaign.twofactor import middleware

        middleware.connect()
