"""Form widgets shared by the forms and the filters."""

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A select rendered in Python with plain string building: a filter offers a city's 1,000
    units, and a template (or format_html) per option costs more than the whole list query."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value])
                  if v is not None}
        parts = [f"<select{flatatt(attrs)}>"]
        for option_value, label in self._plain_choices():
            option_value = str(option_value)
            selected = " selected" if option_value in chosen else ""
            parts.append(f'<option value="{escape(option_value)}"{selected}>{escape(str(label))}</option>')
        parts.append("</select>")
        return mark_safe("".join(parts))  # every value and label escaped above

    def _plain_choices(self):
        for option_value, label in self.choices:
            if hasattr(option_value, "value"):   # a ModelChoiceIteratorValue
                option_value = option_value.value
            yield ("" if option_value is None else option_value), label


class UnitCheckboxes(forms.CheckboxSelectMultiple):
    """Units as checkboxes, indented by their depth in the tree: a click adds or removes one
    unit (a multiple select replaces the whole choice on a plain click), and every chosen unit
    stays in sight. Rendered in Python for the same reason as FastSelect. `choices` holds
    (pk, label, depth below the first listed level)."""

    # _form_fields.html lays out other multiple checkboxes itself; these rows are laid out here.
    renders_own_rows = True

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs or {})
        base_id = attrs.pop("id", f"id_{name}")
        attrs.pop("required", None)
        chosen = {str(v) for v in (value or []) if v is not None}
        rows = format_html_join(
            "",
            '<div class="form-check" style="margin-left: {}rem"><input type="checkbox" '
            'name="{}" value="{}" id="{}_{}"{}{}> <label class="form-check-label" '
            'for="{}_{}">{}</label></div>',
            ((depth * 1.25, name, pk, base_id, index, flatatt(attrs),
              mark_safe(" checked") if str(pk) in chosen else "", base_id, index, label)
             for index, (pk, label, depth) in enumerate(self.choices)),
        )
        return format_html('<div class="unit-choices" id="{}">{}</div>', base_id, rows)

    def id_for_label(self, id_, index=None):
        return f"{id_}_0"
