"""Form widgets shared by the forms and the filters."""

from html import escape

from django import forms
from django.core.cache import cache
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from campaign.tree import indent_class


class FastSelect(forms.Select):
    """A select rendered in Python with plain string building: a filter offers a city's 1,000
    units, and a template (or format_html) per option costs more than the whole list query.
    With `options_key` set, the options' HTML is kept in the cache under that key (which must
    change whenever the choices do) and the choices are only read to build it."""

    options_key: str | None = None
    OPTIONS_TIMEOUT = 5 * 60

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value])
                  if v is not None}
        options = self._kept_options()
        if options is None:
            options = "".join(f'<option value="{escape(str(option_value))}">{escape(str(label))}</option>'
                              for option_value, label in self._plain_choices())
            self._keep_options(options)
        for option_value in chosen:
            marker = f'<option value="{escape(option_value)}">'
            options = options.replace(marker, marker[:-1] + " selected>", 1)
        return mark_safe(f"<select{flatatt(attrs)}>{options}</select>")  # escaped above

    def _kept_options(self) -> str | None:
        if not self.options_key:
            return None
        try:
            return cache.get(self.options_key)
        except Exception:  # noqa: BLE001 - a cache server that fails: build the options
            return None

    def _keep_options(self, options: str) -> None:
        if self.options_key:
            try:
                cache.set(self.options_key, options, self.OPTIONS_TIMEOUT)
            except Exception:  # noqa: BLE001 - as in _kept_options
                pass

    def use_required_attribute(self, initial):
        # Asked before rendering; Select's answer reads the first choice, which would read the
        # choices that the cache is there to spare. A filter's select is never required.
        return self.is_required and super().use_required_attribute(initial)

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
            '<div class="form-check {}"><input type="checkbox" '
            'name="{}" value="{}" id="{}_{}"{}{}> <label class="form-check-label" '
            'for="{}_{}">{}</label></div>',
            ((indent_class(depth), name, pk, base_id, index, flatatt(attrs),
              mark_safe(" checked") if str(pk) in chosen else "", base_id, index, label)
             for index, (pk, label, depth) in enumerate(self.choices)),
        )
        return format_html('<div class="unit-choices" id="{}">{}</div>', base_id, rows)

    def id_for_label(self, id_, index=None):
        return f"{id_}_0"
