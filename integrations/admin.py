from django.contrib import admin

from integrations.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only here: tokens are issued and revoked on the token management page (the key is
    shown once there, and the audit records both)."""

    list_display = ["name", "prefix", "user", "unit", "access", "created_at", "last_used_at",
                    "revoked_at"]
    list_select_related = ["user", "unit"]
    readonly_fields = ["name", "prefix", "user", "unit", "access", "created_by", "created_at",
                       "last_used_at", "revoked_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
