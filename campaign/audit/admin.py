"""The audit tables in the admin: read only. Nobody adds, changes or deletes a row there, a
superuser included (the page /audit/ is where they are read and exported)."""

from auditlog.admin import LogEntryAdmin
from django.contrib import admin

from campaign.audit.models import ChangeEntry, SecurityEvent
from campaign.viewonly import ViewOnly

# auditlog.admin registered its admin for the log entry model (ours); it would let a superuser
# delete rows through the objects they belong to.
if admin.site.is_registered(ChangeEntry):
    admin.site.unregister(ChangeEntry)


@admin.register(ChangeEntry)
class ChangeEntryAdmin(ViewOnly, LogEntryAdmin):
    pass


@admin.register(SecurityEvent)
class SecurityEventAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["at", "kind", "username", "address", "status", "path"]
    list_filter = ["kind"]
    search_fields = ["username", "path"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    readonly_fields = [field.name for field in SecurityEvent._meta.fields]
