from django.contrib import admin
from django.utils import timezone

from campaign.notifications.forms import WebhookForm
from campaign.notifications.models import Delivery, Notification, NotificationPreference, UnitWebhook


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "key", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "campaign"]
    show_full_result_count = False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "by_email", "quiet_start", "quiet_end"]
    raw_id_fields = ["user"]


@admin.register(UnitWebhook)
class UnitWebhookAdmin(admin.ModelAdmin):
    """The same checks as the unit's page (https, the allow-list): the admin is no way around them."""

    form = WebhookForm
    fields = ["unit", "kind", "url", "secret", "quiet_start", "quiet_end", "is_active"]
    list_display = ["unit", "kind", "masked_url", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    raw_id_fields = ["unit"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: deliveries are the record of what the channels did."""

    list_display = ["channel", "target", "key", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["channel", "status"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
