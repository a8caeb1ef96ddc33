"""Document numbers (发文字号), the issuing office of a unit's documents and the bodies they are
copied to.

A number reads "<机关代字>〔<year>〕<n>号" (GB/T 9704—2012 §7.2.4: the year in full in hexagonal
brackets 〔〕, the number without leading zeros and without 第). Supervision notices
(inspections.notices) and monthly bulletins (inspections.rankings) are numbered this way, each
from its own counter per issuing unit and year (inspections.models.take_number).
"""

from campaign.documents.names import MAX_COPIES_TO, copies_to_names
from campaign.models import Unit


def document_code(prefix: str, year: int, number: int) -> str:
    """杏创城〔2026〕8号."""
    return f"{prefix}〔{year}〕{number}号"


def notice_prefix(unit: Unit) -> str:
    """The unit's own supervision-notice prefix (杏督), or the first character of its name and 督."""
    return unit.notice_prefix or f"{unit.name[:1]}督"


def bulletin_prefix(unit: Unit) -> str:
    """The unit's own bulletin prefix (杏创城), or the first character of its name and 创城."""
    return unit.bulletin_prefix or f"{unit.name[:1]}创城"


def document_office(unit: Unit) -> str:
    """The office named in red at the head of the unit's documents; by default the unit."""
    return unit.document_office or unit.name


def document_copies_to(unit: Unit) -> list[str]:
    """The bodies the unit's documents are copied to (抄送), in order, as
    `names.copies_to_names` reads the unit's setting; at most MAX_COPIES_TO (the field's
    validation says so to whoever types more)."""
    return copies_to_names(unit.document_copies_to)[:MAX_COPIES_TO]
