"""The bodies a unit's documents are copied to (抄送), as one field holds them: the one rule for
reading that field, shared by the documents and the field's validation (no model import here,
so the model can use it)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

# Bodies on the copies line (抄送) at most: a line of twenty names already fills most of the
# imprint.
MAX_COPIES_TO = 20

# What people type between names: 、，, ；; or a space or new line.
SEPARATORS = re.compile(r"[、，,；;\s]+")


def copies_to_names(text: str) -> list[str]:
    """The names in the order typed, empty ones dropped."""
    return [name for name in SEPARATORS.split(text) if name]


def validate_copies_to(text: str) -> None:
    count = len(copies_to_names(text))
    if count > MAX_COPIES_TO:
        raise ValidationError(
            ngettext("At most %(max)d body can be named; this names %(count)d.",
                     "At most %(max)d bodies can be named; this names %(count)d.", MAX_COPIES_TO)
            % {"max": MAX_COPIES_TO, "count": count},
            code="too_many_copies_to")
