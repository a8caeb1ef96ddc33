"""The working-day calendar page of a campaign (its office's)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.calendar import campaign_zone, package_knows
from campaign.models import CalendarDay, CalendarYear, Campaign
from campaign.permissions import can_edit_calendar, visible_units
from campaign.workdays import services
from campaign.workdays.forms import CalendarDayForm, DayForm, YearForm


def _post(request, campaign) -> tuple[bool, CalendarDayForm | None]:
    """One change from the page: (done, the add form when it was refused)."""
    action = request.POST.get("action", "")
    try:
        if action == "add":
            form = CalendarDayForm(request.POST)
            if not form.is_valid():
                return False, form
            data = form.cleaned_data
            services.add_calendar_day(campaign, day=data["day"], note=data["note"],
                                      is_working_day=data["kind"] == "working", by=request.user)
            messages.success(request, _("%(day)s saved.") % {"day": data["day"]})
        elif action == "remove":
            day_form = DayForm(request.POST)
            if not day_form.is_valid():
                raise services.CalendarError(_("Choose a day to remove."))
            services.remove_calendar_day(campaign, day=day_form.cleaned_data["day"],
                                         by=request.user)
            messages.success(request, _("%(day)s removed.") % {"day": day_form.cleaned_data["day"]})
        elif action in ("mark", "unmark"):
            year_form = YearForm(request.POST)
            if not year_form.is_valid():
                raise services.CalendarError(_("Choose a year."))
            year = year_form.cleaned_data["year"]
            if action == "mark":
                services.mark_year_entered(campaign, year=year, by=request.user)
                messages.success(request, _("%(year)s is marked as entered: its working days "
                                            "are counted from the days entered.") % {"year": year})
            else:
                services.unmark_year_entered(campaign, year=year, by=request.user)
                messages.success(request, _("%(year)s is no longer marked as entered.")
                                 % {"year": year})
        else:
            raise services.CalendarError(_("Unknown change."))
    except services.CalendarError as error:
        messages.error(request, str(error))
        return False, None
    return True, None


def calendar_detail(request, pk: int):
    """China's calendar as the campaign counts it, this year and next; the office adds its own
    days and enters the years the package does not know."""
    campaign = get_object_or_404(
        Campaign.objects.filter(pk__in=visible_units(request.user).values("campaign_id")), pk=pk)
    if not can_edit_calendar(request.user, campaign):
        raise PermissionDenied
    form = CalendarDayForm()
    status = 200
    if request.method == "POST":
        done, refused = _post(request, campaign)
        if done:
            return redirect("campaign-calendar", pk=campaign.pk)
        form, status = refused or form, 400
    this_year = timezone.localtime(timezone.now(), campaign_zone(campaign)).year
    days = list(CalendarDay.objects.filter(campaign=campaign))
    entered = set(CalendarYear.objects.filter(campaign=campaign).values_list("year", flat=True))
    years = [{
        "year": year, "package_knows": package_knows(year), "entered": year in entered,
        "days": [day for day in days if day.day.year == year],
    } for year in (this_year, this_year + 1)]
    shown = {this_year, this_year + 1}
    return render(request, "campaign/calendar_detail.html", {
        "campaign": campaign, "years": years, "form": form,
        "other_days": [day for day in days if day.day.year not in shown],
        "allowed_years": services.allowed_years(campaign),
        "max_days": services.MAX_DAYS_A_YEAR,
    }, status=status)
