"""An admin page that only shows: rows that change only through the app's services (tasks and
their reports, second-factor devices) or never change (the audit trail)."""


class ViewOnly:
    """Mix in before the ModelAdmin class: nobody adds, changes or deletes here, a superuser
    included."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
