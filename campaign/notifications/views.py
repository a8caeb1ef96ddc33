"""The inbox (newest first, keyset-paged, unread filter), opening and marking notifications,
a person's preferences, and a unit's group robots with their delivery log.

Each view: scope (visible_* → 404) → predicate (can_* → 403) → form → one service call →
message → redirect."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaign import paging
from campaign.http import AuthenticatedHttpRequest
from campaign.notifications import services
from campaign.notifications.forms import PreferenceForm, WebhookForm
from campaign.notifications.messages import text
from campaign.notifications.models import UnitWebhook
from campaign.notifications.permissions import (
    can_manage_webhooks,
    visible_notifications,
    visible_webhooks,
    webhook_units,
)
from campaign.permissions import visible_units

INBOX_ORDER = ("created_at", "id")
CHILDREN_SHOWN = 200   # links to the robots of the units below (a street has ~100 lane offices)


def _inbox_url(unread: bool) -> str:
    return reverse("notifications:inbox") + ("?unread=1" if unread else "")


@require_GET
def inbox(request: AuthenticatedHttpRequest):
    unread = request.GET.get("unread") == "1"
    notifications = visible_notifications(request.user)
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    size = paging.per_page(request.GET.get("per_page"))
    page = paging.keyset_page(notifications, fields=INBOX_ORDER, descending=True,
                              cursor=request.GET.get("after", ""), size=size)
    keep = {"unread": "1"} if unread else {}
    rows = [{"pk": n.pk, "text": text(n.kind, n.params), "kind": n.get_kind_display(),
             "created_at": n.created_at, "unread": n.read_at is None} for n in page.rows]
    return render(request, "notifications/notification_list.html", {
        "rows": rows, "unread_only": unread, "count": None,
        "next_url": "?" + urlencode({**keep, "after": page.next_cursor}) if page.next_cursor else None,
        "first_url": "?" + urlencode(keep) if page.position else None,
        "robot_units": webhook_units(request.user),
    })


def _local_path(url: str) -> bool:
    """A path on this site ("/items/7/"), never another host, scheme or "//host"."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


@require_GET
def notification_open(request: AuthenticatedHttpRequest, pk: int):
    notification = get_object_or_404(visible_notifications(request.user), pk=pk)
    services.mark_read(notification, now=timezone.now())
    return redirect(notification.url if _local_path(notification.url) else "notifications:inbox")


@require_POST
def notification_read(request: AuthenticatedHttpRequest, pk: int):
    notification = get_object_or_404(visible_notifications(request.user), pk=pk)
    services.mark_read(notification, now=timezone.now())
    return redirect(_inbox_url(request.POST.get("unread") == "1"))


@require_POST
def notification_read_all(request: AuthenticatedHttpRequest):
    count = services.mark_all_read(request.user, now=timezone.now())
    messages.success(request, ngettext("%(count)d notification marked as read.",
                                       "%(count)d notifications marked as read.", count)
                     % {"count": count})
    return redirect("notifications:inbox")


@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest):
    preference = services.preference_of(request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        services.save_preference(form.save(commit=False))
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/notificationpreference_form.html", {
        "form": form, "email": request.user.email,
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def unit_webhooks(request: AuthenticatedHttpRequest, pk: int):
    unit = get_object_or_404(visible_units(request.user), pk=pk)
    if not can_manage_webhooks(request.user, unit):
        raise PermissionDenied
    form = WebhookForm(request.POST or None, instance=UnitWebhook(unit=unit))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_webhook(form.save(commit=False), by=request.user, now=timezone.now())
        except services.WebhookError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The group robot is saved."))
            return redirect("notifications:unit-webhooks", pk=unit.pk)
    return render(request, "notifications/unitwebhook_list.html", {
        "unit": unit, "form": form, "webhooks": list(unit.webhooks.order_by("pk")),
        "log": services.webhook_log(unit), "max_webhooks": UnitWebhook.MAX_PER_UNIT,
        "children": list(unit.children.order_by("order", "pk")[:CHILDREN_SHOWN]),
        "parent": unit.parent if unit.parent and can_manage_webhooks(request.user, unit.parent) else None,
    }, status=400 if form.errors else 200)


def _managed_webhook(request: AuthenticatedHttpRequest, pk: int) -> UnitWebhook:
    webhook = get_object_or_404(visible_webhooks(request.user).select_related("unit"), pk=pk)
    if not can_manage_webhooks(request.user, webhook.unit):
        raise PermissionDenied
    return webhook


@require_POST
def webhook_test(request: AuthenticatedHttpRequest, pk: int):
    webhook = _managed_webhook(request, pk)
    try:
        services.send_test_message(webhook, by=request.user, now=timezone.now())
    except services.WebhookError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, _("A test message is on its way; its outcome appears in the log "
                                    "below."))
    return redirect("notifications:unit-webhooks", pk=webhook.unit_id)


@require_POST
def webhook_delete(request: AuthenticatedHttpRequest, pk: int):
    webhook = _managed_webhook(request, pk)
    if request.POST.get("confirm") != "1":
        return HttpResponseBadRequest(_("Confirm the removal."))
    services.remove_webhook(webhook)
    messages.success(request, _("The group robot is removed."))
    return redirect("notifications:unit-webhooks", pk=webhook.unit_id)
