"""Read-only admin: items change only through inspections.workflow, so the admin shows them and
their history but cannot add, edit or delete them."""

from django.contrib import admin

from inspections.models import (
    Bulletin,
    CitizenReport,
    Finding,
    Inspection,
    InspectionRound,
    MonthlyScore,
    Notice,
    NoticeEvent,
    NoticeReply,
    PublishedFix,
    Rectification,
    RectificationEvent,
    ReportFeedback,
    ScoringSettingsChange,
    SupervisionRules,
    SupervisionRun,
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
    fields = readonly_fields = ("created_at", "action", "from_status", "to_status", "actor", "note",
                                "data", "photo_warnings")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rectification)
class RectificationAdmin(ReadOnly):
    list_display = ["code", "title", "unit", "status", "deadline", "rework_count", "created_at"]
    list_filter = ["status", "source", ("recurrence_of", admin.EmptyFieldListFilter)]
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
    list_display = ["name", "kind", "unit", "starts_on", "ends_on", "seed", "sample_size"]
    list_filter = ["kind"]


@admin.register(CitizenReport)
class CitizenReportAdmin(ReadOnly):
    list_display = ["tracking_code", "status", "location", "created_at"]


@admin.register(ReportFeedback)
class ReportFeedbackAdmin(ReadOnly):
    """Answered by the reporter and looked at on /reports/revisits/, never here."""

    list_display = ["report", "rating", "answered_at", "reviewed_at"]
    list_filter = ["rating"]


@admin.register(PublishedFix)
class PublishedFixAdmin(ReadOnly):
    """Published and withdrawn on the item page (inspections.followup), never here."""

    list_display = ["item", "published_by", "published_at"]


class MonthlyScoreInline(admin.TabularInline):
    model = MonthlyScore
    fields = readonly_fields = ("unit", "rank", "ranked", "score", "inspection_score", "due", "on_time",
                                "visits", "flagged")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bulletin)
class BulletinAdmin(ReadOnly):
    """Published bulletins are frozen: a correction is a new revision made on the rankings page."""

    list_display = ["month", "parent", "revision", "code", "is_current", "status", "published_at"]
    list_filter = ["status", "is_current"]
    search_fields = ["code"]
    list_select_related = ["parent"]
    inlines = [MonthlyScoreInline]


@admin.register(Finding)
class FindingAdmin(ReadOnly):
    list_display = ["inspection", "criterion", "points"]
    list_select_related = ["inspection__point", "criterion"]


@admin.register(RectificationEvent)
class RectificationEventAdmin(ReadOnly):
    list_display = ["rectification", "action", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["action"]
    list_select_related = ["rectification", "actor"]


@admin.register(ScoringSettingsChange)
class ScoringSettingsChangeAdmin(ReadOnly):
    """The settings change on the scoring settings page, which records who changed what."""

    list_display = ["changed_at", "campaign", "field", "old", "new", "changed_by"]
    list_filter = ["field"]
    list_select_related = ["campaign", "changed_by"]


# issue 11: supervision notices, read-only like items (inspections.notices.services writes them)
class NoticeEventInline(admin.TabularInline):
    model = NoticeEvent
    fields = readonly_fields = ("at", "action", "actor", "note", "data")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class NoticeReplyInline(admin.TabularInline):
    model = NoticeReply
    fields = readonly_fields = ("at", "by", "text")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnly):
    list_display = ["code", "subject", "unit", "issuer", "status", "reply_by", "issued_at"]
    list_filter = ["status"]
    search_fields = ["code", "subject"]
    list_select_related = ["unit", "issuer"]
    raw_id_fields = ["rectifications", "tasks"]
    inlines = [NoticeReplyInline, NoticeEventInline]


# issue 11: supervision. The rules are edited on the campaign office's rules page (which records
# who changed them); runs are written by `manage.py supervise`.
@admin.register(SupervisionRules)
class SupervisionRulesAdmin(ReadOnly):
    list_display = ["campaign", "remind_before_hours", "escalate_parent_after",
                    "escalate_leaders_after", "updated_by", "updated_at"]
    list_select_related = ["campaign", "updated_by"]


@admin.register(SupervisionRun)
class SupervisionRunAdmin(ReadOnly):
    list_display = ["campaign", "started_at", "finished_at", "total", "guessed_years"]
    list_select_related = ["campaign"]
