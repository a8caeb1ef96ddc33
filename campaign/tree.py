"""The paths of the command tree and of the task tree, and rows for showing a tree.

A unit or a task keeps in `path` the zero-padded ids from its root: "00000001/00000007/". A
subtree is then one indexed prefix query, and ordering by path lists each parent before its
children, siblings in creation order. This module is the only one that builds, reads or filters
on those paths (migrations keep their own frozen copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

if TYPE_CHECKING:   # the models import this module for their path properties
    from campaign.models import Task, Unit

WIDTH = 8           # ids up to 99,999,999 keep text order equal to tree order
SEPARATOR = "/"
# Digits and the separator sort below "~", so "<path>~" sorts after every path in the subtree.
_AFTER_SUBTREE = "~"


def child_path(parent: Unit | Task | None, pk: int) -> str:
    """The path of the node `pk` placed under `parent` (None: a root)."""
    return f"{parent.path if parent else ''}{pk:0{WIDTH}d}{SEPARATOR}"


def parse(path: str) -> list[int]:
    """The ids from the root down to the node itself."""
    return [int(part) for part in path.split(SEPARATOR) if part]


def depth(path: str) -> int:
    """0 for a root."""
    return path.count(SEPARATOR) - 1


def ancestor_ids(path: str) -> list[int]:
    """The ids of the ancestors, root first, without the node itself."""
    return parse(path)[:-1]


def is_within(path: str, ancestor: str) -> bool:
    """Whether the node at `path` is the node at `ancestor` or below it."""
    return path.startswith(ancestor)


def outermost(paths: Iterable[str]) -> list[str]:
    """The paths not inside another one of them: the same subtrees, fewer prefixes."""
    kept: list[str] = []
    # In text order a subtree follows its root without a gap, so only the last kept path can hold one.
    for path in sorted(set(paths)):
        if not kept or not is_within(path, kept[-1]):
            kept.append(path)
    return kept


def subtree_q(paths: Iterable[str], field: str = "path") -> Q:
    """Rows whose `field` lies in any of the subtrees at `paths` (none when `paths` is empty).
    `field` names the path column: "path" for units or tasks, "unit__path" across a relation."""
    kept = outermost(paths)
    if not kept:
        return Q(pk__in=[])
    query = Q()
    for path in kept:
        query |= Q(**{f"{field}__startswith": path})
    return query


def subtree_range(path: str) -> tuple[str, str]:
    """Bounds such that a sorted path lies in the subtree at `path` when low <= it < high."""
    return path, path + _AFTER_SUBTREE


# Rows are indented by their level with classes (site.css: .level-0 … .level-8), not an inline
# style (the Content-Security-Policy); deeper rows keep the deepest indent.
INDENT_STEPS = 8


def indent_class(level: int) -> str:
    """The CSS class indenting a row `level` levels down (0: not indented)."""
    return f"level-{max(0, min(level, INDENT_STEPS))}"


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
