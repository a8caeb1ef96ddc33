from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfflineConfig(AppConfig):
    name = "campaign.offline"
    label = "offline"
    verbose_name = _("Offline sending")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from campaign.models import Photo
        from campaign.offline.idempotency import note_stored_photo

        post_save.connect(note_stored_photo, sender=Photo, dispatch_uid="offline-stored-photos")
