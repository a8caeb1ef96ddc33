"""What the shared form templates (templates/includes/_field.html, _error_summary.html) ask of
a bound field: is it a group of choices (a fieldset with a legend), and which control a link to
it should focus."""

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


@register.filter
def is_choice_group(field: BoundField) -> bool:
    """Radio buttons and multiple checkboxes: one question, several controls, so a fieldset
    whose legend is the question (a label can name one control only)."""
    return isinstance(field.field.widget, forms.RadioSelect)   # CheckboxSelectMultiple too


@register.filter
def field_anchor(field: BoundField) -> str:
    """The id of the control that a link to the field (the error summary's) lands on: the
    first choice of a group (its fieldset cannot take the focus), else the labelled control."""
    if not field.auto_id:
        return ""
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect):
        return widget.id_for_label(field.auto_id, "0")
    return field.id_for_label or field.auto_id


# What ends a label that the error summary's own colon would double: "还有什么问题？：…",
# "Why is this not your unit's item?: …" (a screen reader reads both marks).
_LABEL_END = " \t:?：？"


@register.filter
def summary_label(field: BoundField) -> str:
    """The field's label as the error summary names it, before its colon and the error."""
    return str(field.label or "").rstrip(_LABEL_END)
