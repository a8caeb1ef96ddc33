"""Document numbers (发文字号) and the issuing office of a unit's documents.

A number reads "<机关代字>〔<year>〕<n>号" (GB/T 9704—2012 §7.2.4: the year in full in hexagonal
brackets 〔〕, the number without leading zeros and without 第). Supervision notices
(inspections.notices) and monthly bulletins (inspections.rankings) are numbered this way, each
from its own counter per issuing unit and year (inspections.models.take_number).
"""

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
