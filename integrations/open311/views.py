"""GeoReport v2 at /open311/v2/: services.{fmt}, services/{code}.{fmt}, requests.{fmt} (GET: read,
open to anyone; POST: file a citizen report with a write token's api_key) and
requests/{id}.{fmt}. Every answer, refusals included, is a document of the format asked for; an
unknown path is a 404 error document."""

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from campaign.models import Campaign
from campaign.ratelimit import count_hit
from inspections.models import CitizenReport
from integrations import tokens
from integrations.models import ApiToken
from integrations.open311 import documents, forms, services
from integrations.open311.services import Open311Error

# Requests one token may file in a minute (campaign.ratelimit: a fixed window, shared by every
# app server when REDIS_URL is set).
FILED_PER_MINUTE = 60


def _document_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open to anyone (the key, where one is needed, is a parameter: no cookie counts), and any
    refusal an error document."""

    def wrapped(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
        try:
            return view(request, fmt, **kwargs)
        except Open311Error as error:
            return documents.error_response(fmt, error.status, str(error))

    wrapped.__name__ = wrapped.__qualname__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(login_not_required(wrapped))


def _valid(form_class, data) -> dict:
    form = form_class(data)
    if not form.is_valid():
        raise Open311Error(400, forms.first_error(form))
    return form.cleaned_data


def _allow(request: HttpRequest, *methods: str) -> None:
    if request.method not in methods:
        raise Open311Error(405, _("Method not allowed."))


@_document_view
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    _allow(request, "GET", "HEAD")
    campaign = services.jurisdiction(_valid(forms.JurisdictionForm, request.GET)["jurisdiction_id"])
    return documents.rows_response(fmt, documents.SERVICES, [
        services.service_row(category) for category in services.service_categories(campaign)])


@_document_view
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    """Our services have no metadata: a definition with no attributes, for clients that ask."""
    _allow(request, "GET", "HEAD")
    campaign = services.jurisdiction(_valid(forms.JurisdictionForm, request.GET)["jurisdiction_id"])
    if code not in services.services_by_code(campaign):
        raise Open311Error(404, _("No service has this service_code."))
    return documents.object_response(fmt, documents.SERVICE_DEFINITION,
                                     {"service_code": code, "attributes": []})


@_document_view
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    _allow(request, "GET", "HEAD", "POST")
    if request.method == "POST":
        return _create_request(request, fmt)
    data = _valid(forms.RequestsForm, request.GET)
    campaign = services.jurisdiction(data["jurisdiction_id"])
    reports = services.listed_reports(campaign)
    if data["service_request_id"]:
        # The specification: a list of ids overrides every other filter.
        reports = reports.filter(pk__in=[pk for pk in map(services.report_pk,
                                                          data["service_request_id"]) if pk])
    else:
        reports = _filtered(reports, data, campaign)
    # Pages by offset, never counted: past the last page is an empty list (a client paging on
    # stops there), and MAX_PAGE bounds the offset.
    size = data["page_size"] or forms.DEFAULT_PAGE_SIZE
    start = ((data["page"] or 1) - 1) * size
    rows = reports[start:start + size]
    return documents.rows_response(fmt, documents.REQUESTS,
                                   [services.request_row(report) for report in rows])


def _filtered(reports: QuerySet[CitizenReport], data: dict,
              campaign: Campaign) -> QuerySet[CitizenReport]:
    if data["service_code"]:
        known = services.services_by_code(campaign)
        unknown = [code for code in data["service_code"] if code not in known]
        if unknown:
            raise Open311Error(400, _("service_code: no service has the code %(code)s.")
                               % {"code": unknown[0]})
        reports = reports.filter(category__in=[known[code] for code in data["service_code"]])
    if len(data["status"]) == 1:
        reports = reports.filter(services.status_q(data["status"][0]))
    start, end = data["start_date"], data["end_date"]
    if start is None and end is None:
        start = timezone.now() - dt.timedelta(days=forms.DEFAULT_DAYS)
    if start is not None:
        reports = reports.filter(created_at__gte=start)
    if end is not None:
        reports = reports.filter(created_at__lte=end)
    return reports


@_document_view
def request_detail(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    """One request by its service_request_id (services.request_id), rejected or not."""
    _allow(request, "GET", "HEAD")
    campaign = services.jurisdiction(_valid(forms.JurisdictionForm, request.GET)["jurisdiction_id"])
    pk = services.report_pk(code)
    report = services.public_reports(campaign).filter(pk=pk).first() if pk else None
    if report is None:
        raise Open311Error(404, _("No service request has this service_request_id."))
    return documents.rows_response(fmt, documents.REQUESTS, [services.request_row(report)])


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    # The key first: without one, nothing about the request is looked at.
    token = tokens.authenticate(request.POST.get("api_key", ""))
    if token is None or not token.can_write:
        raise Open311Error(403, _("api_key: no token that may file requests has this key."))
    data = _valid(forms.CreateRequestForm, request.POST)
    # No jurisdiction_id: the token's own campaign.
    campaign = (services.jurisdiction(data["jurisdiction_id"]) if data["jurisdiction_id"]
                else token.unit.campaign)
    if token.unit.campaign_id != campaign.pk:
        raise Open311Error(403, _("api_key: this token does not serve this jurisdiction."))
    category = services.services_by_code(campaign).get(data["service_code"])
    if category is None:
        raise Open311Error(400, _("service_code: no service has the code %(code)s.")
                           % {"code": data["service_code"]})
    if _over_rate_limit(token):
        response = documents.error_response(fmt, 429, _(
            "Too many requests filed with this key: try again in a minute."))
        response["Retry-After"] = "60"
        return response
    report = services.file_request(
        campaign=campaign, category=category, description=data["description"],
        location=data["location"], contact=data["contact"], latitude=data["lat"],
        longitude=data["long"])
    # The tracking code goes to the filer alone (this answer), for the reporter: it opens the
    # tracking page and the follow-up, so it is never the public service_request_id.
    return documents.rows_response(fmt, documents.REQUESTS, [{
        "service_request_id": services.request_id(report),
        "service_notice": _("The reporter follows it with the tracking code %(code)s.")
        % {"code": report.tracking_code},
        "account_id": ""}], status=201)


def _over_rate_limit(token: ApiToken) -> bool:
    return count_hit(f"open311-rate:{token.pk}", window=60).count > FILED_PER_MINUTE


@csrf_exempt
@login_not_required
def not_found(request: HttpRequest, path: str) -> HttpResponse:
    fmt = "xml" if path.endswith(".xml") else "json"
    return documents.error_response(fmt, 404, _("No such Open311 resource. Resources end in "
                                                ".json or .xml."))
