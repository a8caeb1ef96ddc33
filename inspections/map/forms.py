"""The map's filters: the same form checks the page's controls and the data URL's parameters,
so a value the page offers is one the data URL accepts, and a bad one is a 400 with a message."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.enums import PointKind
from campaign.models import Category, Unit
from campaign.permissions import visible_units
from inspections.map.queries import ITEM_MARKERS, MapFilters, marker_labels
from inspections.widgets import FastSelect

LAYERS = (("", _("Points and items")), ("points", _("Points only")), ("items", _("Items only")))
_CURSOR = re.compile(r"([pi])([0-9]{1,12})")
_NUMBER = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,12})?")


class BoxField(forms.CharField):
    """A bounding box "west,south,east,north" in degrees (WGS84), west ≤ east, south ≤ north."""

    def __init__(self, **kwargs):
        super().__init__(max_length=100, required=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        parts = value.split(",")
        if len(parts) != 4 or not all(_NUMBER.fullmatch(part.strip()) for part in parts):
            raise forms.ValidationError(
                _("The box is four numbers: west,south,east,north."), code="box")
        west, south, east, north = (float(part) for part in parts)
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise forms.ValidationError(
                _("The box must have west ≤ east within ±180 and south ≤ north within ±90."),
                code="box_range")
        return (west, south, east, north)


class CursorField(forms.CharField):
    """Where a page of features starts (queries.feature_page): "p<id>" or "i<id>"."""

    def __init__(self, **kwargs):
        super().__init__(max_length=14, required=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        match = _CURSOR.fullmatch(value)
        if match is None:
            raise forms.ValidationError(_("Not a page of this map."), code="cursor")
        return match[1], int(match[2])


class MapFilterForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit (with units below)"), queryset=Unit.objects.none(),
        required=False, widget=FastSelect, empty_label=_("All"))
    kind = forms.ChoiceField(label=_("Point kind"), required=False, widget=FastSelect)
    status = forms.ChoiceField(label=_("Item status"), required=False, widget=FastSelect)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, widget=FastSelect,
        empty_label=_("All"))
    layer = forms.ChoiceField(label=_("Show"), choices=LAYERS, required=False, widget=FastSelect)
    bbox = BoxField(label=_("Box"), widget=forms.HiddenInput)
    after = CursorField(label=_("Page"), widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = visible_units(user).order_by("path")
        unit_field = self.fields["unit"]
        unit_field.queryset = units.only("pk", "path", "name")
        # The options from plain rows when rendered (the page), never read by the data URL.
        unit_field.widget.choices = lambda: [("", _("All")), *units.values_list("pk", "name")]
        categories = Category.objects.filter(
            standard__campaign_id__in=units.values("campaign_id")
        ).order_by("standard_id", "order", "pk")
        category_field = self.fields["category"]
        category_field.queryset = categories
        category_field.widget.choices = lambda: [("", _("All")),
                                                 *categories.values_list("pk", "name")]
        self.fields["kind"].choices = [("", _("All")), *PointKind.choices]
        labels = marker_labels()
        self.fields["status"].choices = [("", _("All")),
                                         *((name, labels[name]) for name in ITEM_MARKERS)]
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> MapFilters:
        data = self.cleaned_data
        return MapFilters(unit=data["unit"], kind=data["kind"], status=data["status"],
                          category=data["category"], layer=data["layer"], bbox=data["bbox"])

    def error_text(self) -> str:
        """Every error in one line, each with its field's label (the data URL's 400 message)."""
        lines = []
        for name, errors in self.errors.items():
            text = " ".join(str(error) for error in errors)
            lines.append(f"{self.fields[name].label}: {text}" if name in self.fields else text)
        return " ".join(lines)
