from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaign.forms import AdminLoginForm
from campaign.models import (
    CalendarDay,
    CalendarYear,
    Campaign,
    Category,
    Criterion,
    LeaderCharge,
    Membership,
    Photo,
    Point,
    Progress,
    Standard,
    Task,
    Unit,
    User,
)
from campaign.services import create_unit, move_unit
from campaign.twofactor.services import (
    RESET_PASSWORD_TOO,
    app_device,
    recovery_codes_left,
    remove_second_factor,
)
from campaign.viewonly import ViewOnly

admin.site.login_form = AdminLoginForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Campaign"), {"fields": ("name", "two_factor")}))
    readonly_fields = ["two_factor"]
    list_display = ["username", "name", "is_active", "is_superuser", "last_login"]
    search_fields = ["username", "name"]
    inlines = [MembershipInline]
    actions = ["reset_two_factor"]
    # The user's page has a button for the action (on this one person).
    change_form_template = "admin/campaign/user/change_form.html"

    @admin.display(description=_("two-step verification"))
    def two_factor(self, user: User) -> str:
        device = app_device(user)
        if device is None:
            return str(_("Off"))
        return ngettext("On, %(count)d recovery code left", "On, %(count)d recovery codes left",
                        left := recovery_codes_left(user)) % {"count": left}

    @admin.action(description=_("Reset two-step verification"), permissions=["change"])
    def reset_two_factor(self, request, queryset) -> None:
        """Remove the people's authenticator apps and recovery codes (a lost phone), and end their
        sessions: whoever must use two-step verification sets it up again when they next sign in."""
        reset = [user for user in queryset if remove_second_factor(user, by=request.user, request=request)]
        if reset:
            self.message_user(request, ngettext(
                "Two-step verification reset for %(count)d person: they were logged out everywhere "
                "and set it up again when they next sign in.",
                "Two-step verification reset for %(count)d people: they were logged out everywhere "
                "and set it up again when they next sign in.", len(reset)) % {"count": len(reset)},
                messages.SUCCESS)
            self.message_user(request, RESET_PASSWORD_TOO, messages.WARNING)
        else:
            self.message_user(request, _("Nobody selected had two-step verification set up."),
                              messages.WARNING)


# django-otp's device pages, to look only (ViewOnly): a second factor is removed by the reset on
# the person's page (campaign.twofactor.services), which ends their sessions and is recorded;
# deleting or editing a device here would do neither.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(TOTPDevice)
class AppDeviceAdmin(ViewOnly, TOTPDeviceAdmin):
    pass


@admin.register(StaticDevice)
class RecoveryCodesAdmin(ViewOnly, StaticDeviceAdmin):
    pass


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "start", "end"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "parent", "campaign", "depth"]
    list_filter = ["campaign", "kind", "placeholder"]
    search_fields = ["name", "code", "key"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]
    list_select_related = ["parent", "campaign"]

    def save_model(self, request, obj, form, change):
        # The tree's path is owned by the services, so admin goes through them too.
        if not change:
            fields = {name: form.cleaned_data[name] for name in form.cleaned_data if name != "parent"}
            created = create_unit(parent=obj.parent, **fields)
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            return
        if "parent" in form.changed_data:
            moved = move_unit(obj, parent=obj.parent)
            obj.path, obj.depth = moved.path, moved.depth
        # Only the fields changed here: a full save would write back the path and depth the
        # form loaded, over what move_unit has just written.
        fields = [name for name in form.changed_data if name != "parent"]
        if fields:
            obj.save(update_fields=fields)

    def get_readonly_fields(self, request, obj=None):
        # A unit stays in its campaign: its items carry the campaign they were filed in.
        return [*self.readonly_fields, "campaign"] if obj is not None else self.readonly_fields


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "title"]
    list_filter = ["role"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


@admin.register(LeaderCharge)
class LeaderChargeAdmin(admin.ModelAdmin):
    list_display = ["leader", "unit", "title"]
    autocomplete_fields = ["leader", "unit"]
    list_select_related = ["leader", "unit"]


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "is_active"]
    inlines = [CategoryInline]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "standard", "order", "public"]
    list_filter = ["public"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "points", "deadline_days", "deadline_count"]
    list_filter = ["category__standard", "deadline_count"]
    search_fields = ["name"]


@admin.register(Point)
class PointAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "unit"]
    list_filter = ["kind", "campaign"]
    search_fields = ["code", "name", "address"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]


class ReadOnlyAdmin(ViewOnly, admin.ModelAdmin):
    """Tasks and progress reports change only through campaign.tasks.services (splitting keeps targets
    adding up, reports are never overwritten), so the admin only reads them."""


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "unit", "target", "measure", "start", "due", "lead"]
    list_filter = ["campaign", "category"]
    search_fields = ["code", "title", "key"]
    list_select_related = ["unit", "lead"]


@admin.register(Progress)
class ProgressAdmin(ReadOnlyAdmin):
    list_display = ["task", "quantity", "reported_on", "reported_by", "corrects"]
    search_fields = ["task__title", "task__code"]
    list_select_related = ["task", "reported_by", "corrects"]


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    """Photos are private files: the admin lists their facts, not the files (which are served only
    by the permission-checked photo views)."""

    list_display = ["pk", "original_name", "unit", "uploaded_by", "uploaded_at", "taken_at"]
    fields = readonly_fields = ("unit", "original_name", "width", "height", "size", "sha256", "taken_at",
                                "latitude", "longitude", "uploaded_by", "uploaded_at")
    list_select_related = ["unit", "uploaded_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """A campaign's own days of the working-day calendar (campaign.calendar); the campaign office
    edits them on the calendar page, which keeps the bounds (campaign.workdays.services)."""

    list_display = ["day", "campaign", "is_working_day", "note"]
    list_filter = ["campaign", "is_working_day"]
    search_fields = ["note"]
    date_hierarchy = "day"
    list_select_related = ["campaign"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Years the package does not know whose days the office entered by hand."""

    list_display = ["year", "campaign", "entered_by", "entered_at"]
    list_filter = ["campaign"]
    readonly_fields = ["entered_at"]
    list_select_related = ["campaign", "entered_by"]
