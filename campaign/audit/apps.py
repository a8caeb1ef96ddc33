from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "campaign.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from campaign.audit import recorders, tracking

        tracking.register()
        recorders.connect()
