"""The point register (点位) as a sheet: the export (XLSX or CSV) and an all-or-nothing import that
creates or updates points by code, both through campaign.importing."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.enums import PointKind
from campaign.importing import (
    Column,
    Columns,
    ImportResult,
    RowForm,
    check_rows,
    csv_text,
    read_rows,
    xlsx_bytes,
)
from campaign.models import Campaign, Point, Unit, User
from campaign.permissions import managed_units, visible_points

# The header-alias table: the export writes the labels in the user's language; the import also
# reads the field names and the headers a campaign office writes in a sheet of its own.
COLUMNS = Columns(
    Column("code", gettext_lazy("Code"), ("编号",)),
    Column("name", gettext_lazy("Name"), ("名称",)),
    Column("kind", gettext_lazy("Kind"), ("类型", "点位类型")),
    Column("unit_code", gettext_lazy("Unit code"), ("单位编码",)),
    Column("address", gettext_lazy("Address"), ("地址",), required=False),
    Column("latitude", gettext_lazy("Latitude"), ("纬度",), required=False),
    Column("longitude", gettext_lazy("Longitude"), ("经度",), required=False),
    Column("active", gettext_lazy("Active"), ("启用",), required=False),
)
# Written after the columns for the reader; the import ignores it.
UNIT_NAME = gettext_lazy("Unit")
INACTIVE = ("0", "false", "no", "否")   # any other value, or none, is active


def export_rows(points: QuerySet[Point]) -> tuple[list[str], list[list]]:
    """The headers and rows of the export: kinds and the active flag by name, the unit by code
    (what the import reads) and by name."""
    headers = COLUMNS.labels() + [str(UNIT_NAME)]
    rows = [[
        point.code, point.name, point.get_kind_display(), point.unit.code, point.address,
        "" if point.latitude is None else str(point.latitude),
        "" if point.longitude is None else str(point.longitude),
        _("Yes") if point.is_active else _("No"), point.unit.name,
    ] for point in points.select_related("unit").order_by("code")]
    return headers, rows


def export_points(points: QuerySet[Point], fmt: str) -> bytes | str:
    """The points as XLSX bytes, or as CSV text (`fmt` "csv")."""
    headers, rows = export_rows(points)
    if fmt == "csv":
        return csv_text(headers, rows)
    return xlsx_bytes(_("Points"), headers, rows)


class _Register:
    """What every row of one import is checked against, filled as rows are read."""

    def __init__(self, campaign: Campaign, by: User):
        self.units = {unit.code: unit for unit in managed_units(by).filter(campaign=campaign)}
        # Only points the importer sees, on units they manage, are updated; any other point of the
        # campaign with the same code belongs to someone else and its row is refused.
        self.existing = {point.code: point for point in visible_points(by).filter(
            campaign=campaign, unit__in=list(self.units.values()))}
        self.taken = set(Point.objects.filter(campaign=campaign).values_list("code", flat=True))
        self.seen: set[str] = set()
        self.kinds = {value: value for value in PointKind.values}
        for language in ("zh-hans", "en"):   # a kind may be written as its name in either language
            with translation.override(language):
                self.kinds.update({str(label): value for value, label in PointKind.choices})


def _text(**kwargs) -> forms.CharField:
    return forms.CharField(required=False, **kwargs)


class PointRowForm(RowForm):
    code = _text()
    name = _text()
    kind = _text()
    unit_code = _text()
    address = _text()
    latitude = _text()
    longitude = _text()
    active = _text()

    def __init__(self, row, *, register: _Register):
        super().__init__(row)
        self.register = register

    def clean_code(self) -> str:
        code, register = self.cleaned_data["code"], self.register
        if not code or len(code) > 24:
            raise ValidationError(_("code is empty or longer than 24 characters"))
        if code in register.seen:
            raise ValidationError(_("code %(code)s appears twice") % {"code": code})
        if code in register.taken and code not in register.existing:
            raise ValidationError(_("code %(code)s belongs to a point you do not manage") % {"code": code})
        return code

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if not name or len(name) > 120:
            raise ValidationError(_("name is empty or longer than 120 characters"))
        return name

    def clean_kind(self) -> str:
        kind = self.register.kinds.get(self.cleaned_data["kind"])
        if kind is None:
            raise ValidationError(_("unknown kind “%(kind)s” (allowed: %(kinds)s)") % {
                "kind": self.cleaned_data["kind"][:30],
                "kinds": ", ".join(f"{value} ({label})" for value, label in PointKind.choices)})
        return kind

    def clean_unit_code(self) -> Unit:
        unit = self.register.units.get(self.cleaned_data["unit_code"])
        if unit is None:
            raise ValidationError(_("unit code “%(code)s” is not a unit you manage") % {
                "code": self.cleaned_data["unit_code"][:30]})
        return unit

    def clean_address(self) -> str:
        return self.cleaned_data["address"][:200]

    def _coordinate(self, name: str, limit: int) -> Decimal | None:
        value = self.cleaned_data[name]
        try:
            number = Decimal(value).quantize(Decimal("0.000001")) if value else None
            if number is not None and not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise ValidationError(_("%(name)s “%(value)s” is not a number") % {
                "name": name, "value": value[:20]}) from None
        if number is not None and abs(number) > limit:
            raise ValidationError(_("%(name)s is out of range") % {"name": name})
        return number

    def clean_latitude(self) -> Decimal | None:
        return self._coordinate("latitude", 90)

    def clean_longitude(self) -> Decimal | None:
        return self._coordinate("longitude", 180)

    def clean_active(self) -> bool:
        return self.cleaned_data["active"].lower() not in INACTIVE

    def checked(self) -> None:
        self.register.seen.add(str(self.data.get("code", "")).strip())


def import_points(campaign: Campaign, upload, *, by: User) -> ImportResult:
    """Create or update points by code from an uploaded sheet. Every row is checked first; one bad
    row and nothing is imported (the result lists each bad row). `created` and `updated` hold
    the points."""
    rows = read_rows(upload, COLUMNS, what=_("the point list"))
    register = _Register(campaign, by)
    result = ImportResult()
    good = check_rows(rows, lambda row: PointRowForm(row, register=register), result)
    if result.errors:
        return result
    with transaction.atomic():
        for form in good:
            data = form.cleaned_data
            values = dict(name=data["name"], kind=data["kind"], unit=data["unit_code"],
                          address=data["address"], latitude=data["latitude"],
                          longitude=data["longitude"], is_active=data["active"])
            point = register.existing.get(data["code"])
            if point is None:
                result.created.append(Point.objects.create(campaign=campaign, code=data["code"], **values))
            else:
                for name, value in values.items():
                    setattr(point, name, value)
                point.save()
                result.updated.append(point)
    return result
