"""Read-only admin: items change only through inspections.workflow, so the admin shows them and
their history but cannot add, edit or delete them."""

from django.contrib import admin

from inspections.models import (
    CitizenReport,
    Inspection,
    InspectionRound,
    Rectification,
    RectificationEvent,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = RectificationEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rectification)
class RectificationAdmin(ReadOnly):
    list_display = ["code", "title", "unit", "status", "deadline", "rework_count", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["code", "title"]
    list_select_related = ["unit"]
    show_full_result_count = False
    inlines = [EventInline]


@admin.register(Inspection)
class InspectionAdmin(ReadOnly):
    list_display = ["point", "unit", "mode", "visited_at", "points_deducted", "points_possible"]
    list_select_related = ["point", "unit"]


@admin.register(InspectionRound)
class InspectionRoundAdmin(ReadOnly):
    list_display = ["name", "unit", "starts_on", "ends_on", "seed", "sample_size"]


@admin.register(CitizenReport)
class CitizenReportAdmin(ReadOnly):
    list_display = ["tracking_code", "status", "location", "created_at"]
