"""Bulk steps from the item list: choose a step for the selected items, then take it on each.

POST only (the selection travels in the body, CSRF-checked). The items are read through the
person's visibility query: an id out of scope is "not found", never acted on.
"""

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from inspections import workflow
from inspections.bulk import forms, services
from inspections.bulk.services import Selection

STEPS_BY_SLUG = {workflow.STEPS[action].slug: workflow.STEPS[action]
                 for action in services.BULK_ACTIONS}
MAX_QUERY = 2000


def _back_to_list(request, error: services.SelectionError):
    """The list again, with its filters (`query`, the list's own query string), and why."""
    messages.error(request, str(error))
    query = urlencode(parse_qsl(request.POST.get("query", "")[:MAX_QUERY]))
    return redirect(reverse("inspections:rectification-list") + (f"?{query}" if query else ""))


def _form(step: workflow.Step, user, items, data=None):
    form_class = forms.FORMS[step.action]
    kwargs = {}
    if issubclass(form_class, forms.RerouteForm):
        kwargs["units"] = services.reroute_targets(user, items)
    return form_class(data, auto_id=f"id_{step.slug}_%s", **kwargs)


def _choose(request, selection: Selection, items, *, bound=None, status=200):
    steps = services.offered_steps(request.user, items)
    found = {item.pk for item in items}
    return render(request, "inspections/rectification_bulk.html", {
        "items": items,
        "missing": [pk for pk in selection.ids if pk not in found],
        "tokens": [f"{item.pk}:{item.version}" for item in items],
        "steps": [{"slug": step.slug, "label": step.label,
                   "form": (bound or {}).get(step.action) or _form(step, request.user, items)}
                  for step in steps],
        "query": request.POST.get("query", "")[:MAX_QUERY],
        "max_items": services.MAX_ITEMS,
    }, status=status)


@require_POST
def rectification_bulk(request):
    """The selected items and the steps the person may take on at least one of them."""
    try:
        selection = services.read_selection(request.POST.getlist("item"))
    except services.SelectionError as error:
        return _back_to_list(request, error)
    return _choose(request, selection, services.selected_items(request.user, selection))


@require_POST
def rectification_bulk_apply(request):
    """One step on every selected item; the result page says what was done and what refused."""
    step = STEPS_BY_SLUG.get(request.POST.get("step", ""))
    if step is None:
        raise Http404
    try:
        selection = services.read_selection(request.POST.getlist("item"))
    except services.SelectionError as error:
        return _back_to_list(request, error)
    items = services.selected_items(request.user, selection)
    if items and not services.may_take(step, request.user, items):
        raise PermissionDenied
    form = _form(step, request.user, items, request.POST)
    if items and not form.is_valid():
        # No flash message: the form's error summary says it and takes the focus (one alert).
        return _choose(request, selection, items, bound={step.action: form}, status=400)
    # Each item is still checked by its step: legal from its status now (a second submit of the
    # same form finds them done), its right, its separation of duties and its version.
    outcomes = services.take_bulk_step(step, request.user, selection, items, form.arguments)
    return _result(request, step, outcomes)


def _result(request, step, outcomes):
    return render(request, "inspections/rectification_bulk_result.html", {
        "step": step,
        "done": [outcome for outcome in outcomes if outcome.done],
        "refused": [outcome for outcome in outcomes if not outcome.done and outcome.item],
        "missing": [outcome for outcome in outcomes if outcome.item is None],
    })
