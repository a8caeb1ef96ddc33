"""Form widgets shared by the forms and the filters."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A select rendered in Python: the template-per-option rendering costs more than the whole
    list query when a filter offers a few hundred units."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value])
                  if v is not None}
        options = format_html_join(
            "", "<option value=\"{}\"{}>{}</option>",
            ((option_value, mark_safe(" selected") if str(option_value) in chosen else "", label)
             for option_value, label in self._plain_choices()),
        )
        return format_html("<select{}>{}</select>", flatatt(attrs), options)

    def _plain_choices(self):
        for option_value, label in self.choices:
            if hasattr(option_value, "value"):   # a ModelChoiceIteratorValue
                option_value = option_value.value
            yield ("" if option_value is None else option_value), label


class FastSelectMultiple(FastSelect):
    """FastSelect choosing several (a standard's units among a campaign's thousand)."""

    allow_multiple_selected = True

    def __init__(self, attrs=None, choices=()):
        super().__init__({**(attrs or {}), "multiple": True}, choices)

    def value_from_datadict(self, data, files, name):
        return forms.SelectMultiple().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return False
