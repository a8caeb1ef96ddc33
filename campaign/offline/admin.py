from django.contrib import admin

from campaign.offline.models import Submission
from campaign.viewonly import ViewOnly


@admin.register(Submission)
class SubmissionAdmin(ViewOnly, admin.ModelAdmin):
    """Receipts written only by the idempotent views: shown, never edited (an edit would let a
    resend file twice or land on the wrong page)."""

    list_display = ["key", "user", "path", "result_url", "created_at"]
    raw_id_fields = ["user"]
    search_fields = ["key", "user__username"]
    show_full_result_count = False
