"""Turning a flat, path-ordered list of units into rows for a nested, collapsible tree."""

from dataclasses import dataclass

from campaign.models import Unit


@dataclass
class TreeRow:
    unit: Unit
    level: int          # nesting level within what the user sees (0 = a visible root)
    has_children: bool
    is_open: bool
    closes: int         # how many open levels end after this row
    highlighted: bool

    @property
    def close_range(self) -> range:
        return range(self.closes)


def tree_rows(units: list[Unit], *, open_depth: int, highlight_kind: str = "") -> list[TreeRow]:
    """`units` must be ordered by campaign and path. Units whose parent is not in the list
    are roots of what the user sees."""
    ids = {unit.pk for unit in units}
    levels: dict[int, int] = {}
    rows: list[TreeRow] = []
    for unit in units:
        level = levels[unit.parent_id] + 1 if unit.parent_id in ids else 0
        levels[unit.pk] = level
        has_children = getattr(unit, "child_count", 0) > 0
        rows.append(TreeRow(unit, level, has_children, level < open_depth, 0,
                            bool(highlight_kind) and unit.kind == highlight_kind))
    for index, row in enumerate(rows):
        next_level = rows[index + 1].level if index + 1 < len(rows) else 0
        # A row with visible children opens a level; it closes when the next row is shallower.
        opened = row.level + 1 if row.has_children and next_level > row.level else row.level
        row.closes = max(0, opened - next_level)
        if not (row.has_children and next_level > row.level):
            row.has_children = False
    return rows
