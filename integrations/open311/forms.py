"""The parameters of the Open311 calls, each with its bound. A refused parameter is a 400 error
document naming it (`first_error`)."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from inspections.forms import MAX_REPORT_DESCRIPTION
from integrations.open311.services import CLOSED, MAX_REQUEST_ID, OPEN

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 1000
# service_request_id and service_code lists: at most this many, comma-separated.
MAX_LISTED = MAX_PAGE_SIZE
# Without dates, requests of this many days back (the specification's default span).
DEFAULT_DAYS = 90
MAX_CONTACT = 60                   # inspections.CitizenReport.contact
MAX_LOCATION = 200                 # inspections.CitizenReport.location
COORDINATE_PLACES = Decimal("0.000001")   # what CitizenReport.latitude/longitude keep


class ListField(forms.CharField):
    """A comma-separated list of at most MAX_LISTED values, blanks dropped."""

    def __init__(self, *, item_length: int, **kwargs):
        self.item_length = item_length
        super().__init__(required=False, max_length=MAX_LISTED * (item_length + 1), **kwargs)

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        items = [part.strip() for part in text.split(",") if part.strip()]
        if len(items) > MAX_LISTED:
            raise forms.ValidationError(_("At most %(count)d values.") % {"count": MAX_LISTED})
        if any(len(item) > self.item_length for item in items):
            raise forms.ValidationError(_("A value is too long."))
        return list(dict.fromkeys(items))


class W3CDateTimeField(forms.CharField):
    """A W3C datetime ("2026-11-05T08:15:30+08:00"); without an offset, or a date alone, it is
    read in the site's time zone (a date: from its start)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=40, **kwargs)

    def clean(self, value: Any) -> dt.datetime | None:
        text = super().clean(value).strip()
        if not text:
            return None
        try:
            moment = parse_datetime(text)
            day = None if moment else parse_date(text)
        except ValueError:
            moment = day = None
        if day is not None:
            moment = dt.datetime.combine(day, dt.time())
        if moment is None:
            raise forms.ValidationError(_("Not a W3C datetime, such as 2026-11-05T08:15:30+08:00."))
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class CoordinateField(forms.CharField):
    def __init__(self, *, limit: int, **kwargs):
        self.limit = limit
        super().__init__(required=False, max_length=32, **kwargs)

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value).strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) > self.limit:
            raise forms.ValidationError(
                _("Not a coordinate between -%(limit)d and %(limit)d.") % {"limit": self.limit})
        return number.quantize(COORDINATE_PLACES)


class JurisdictionForm(forms.Form):
    jurisdiction_id = forms.SlugField(required=False, max_length=60)


class RequestsForm(JurisdictionForm):
    service_request_id = ListField(item_length=MAX_REQUEST_ID)
    service_code = ListField(item_length=121)
    status = ListField(item_length=16)
    start_date = W3CDateTimeField()
    end_date = W3CDateTimeField()
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    def clean_status(self) -> list[str]:
        statuses = self.cleaned_data["status"]
        if any(status not in (OPEN, CLOSED) for status in statuses):
            raise forms.ValidationError(_("Give open, closed or both."))
        return statuses

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and start > end:
            self.add_error("end_date", _("The end date is before the start date."))
        return data


class CreateRequestForm(JurisdictionForm):
    # api_key is checked before the form (integrations.tokens bounds it).
    service_code = forms.CharField(max_length=121)
    lat = CoordinateField(limit=90)
    long = CoordinateField(limit=180)
    address_string = forms.CharField(required=False, max_length=MAX_LOCATION)
    description = forms.CharField(max_length=MAX_REPORT_DESCRIPTION)
    first_name = forms.CharField(required=False, max_length=MAX_CONTACT)
    last_name = forms.CharField(required=False, max_length=MAX_CONTACT)
    phone = forms.CharField(required=False, max_length=MAX_CONTACT)
    email = forms.EmailField(required=False, max_length=254)
    # Accepted and not kept: the interface fetches nothing from the network.
    media_url = forms.URLField(required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if (data["lat"] is None) != (data["long"] is None):
            raise forms.ValidationError(_("Give both lat and long, or neither."))
        if data["lat"] is None and not data["address_string"].strip():
            raise forms.ValidationError(_("Give lat and long, or address_string."))
        name = " ".join(part for part in (data["last_name"], data["first_name"]) if part)
        data["contact"] = " ".join(part for part in (name, data["phone"], data["email"]) if part)
        if len(data["contact"]) > MAX_CONTACT:
            raise forms.ValidationError(
                _("The name, phone and email together may have at most %(count)d characters.")
                % {"count": MAX_CONTACT})
        data["location"] = data["address_string"].strip() or f"{data['lat']}, {data['long']}"
        return data


def first_error(form: forms.Form) -> str:
    """The first refusal, named by its parameter (the specification's name, as sent)."""
    for field, errors in form.errors.items():
        prefix = "" if field == "__all__" else f"{field}: "
        return f"{prefix}{errors[0]}"
    return ""
