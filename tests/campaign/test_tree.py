"""campaign.tree: how the paths of units and tasks are spelled, read and queried."""

from bisect import bisect_left

import pytest
from django.conf import settings
from django.db.models import Q

from campaign import tree
from campaign.models import Task

PATH = "00000001/00000007/00000042/"


def test_paths_sort_as_the_tree_does():
    parent = Task(path="00000017/")
    paths = sorted([tree.child_path(parent, 100), tree.child_path(parent, 18)])
    assert paths == ["00000017/00000018/", "00000017/00000100/"]
    assert tree.child_path(None, 17) == "00000017/"


def test_a_path_reads_back_as_ids_depth_and_ancestors():
    assert tree.parse(PATH) == [1, 7, 42]
    assert tree.depth(PATH) == 2
    assert tree.depth("00000001/") == 0
    assert tree.ancestor_ids(PATH) == [1, 7]


def test_within_means_the_node_or_below_and_never_a_sibling_sharing_digits():
    assert tree.is_within(PATH, "00000001/")
    assert tree.is_within(PATH, PATH)
    assert not tree.is_within("00000010/", "00000001/")
    assert not tree.is_within("00000001/", PATH)


def test_subtree_q_keeps_only_the_outermost_paths():
    paths = ["00000001/00000007/", "00000003/", "00000001/", "00000001/"]
    assert tree.outermost(paths) == ["00000001/", "00000003/"]
    assert tree.subtree_q(paths) == Q(path__startswith="00000001/") | Q(path__startswith="00000003/")
    assert tree.subtree_q(["00000003/"], "unit__path") == Q(unit__path__startswith="00000003/")
    assert tree.subtree_q([]) == Q(pk__in=[])


def test_subtree_range_holds_exactly_the_subtree_of_sorted_paths():
    paths = sorted(["00000001/", "00000001/00000007/", PATH, "00000001/00000008/", "00000002/"])
    low, high = (bisect_left(paths, bound) for bound in tree.subtree_range("00000001/00000007/"))
    assert paths[low:high] == ["00000001/00000007/", PATH]


@pytest.mark.parametrize(("level", "css"), [(-1, "level-0"), (0, "level-0"), (3, "level-3"),
                                            (8, "level-8"), (12, "level-8")])
def test_indent_class_holds_the_level_to_the_steps_site_css_has(level, css):
    assert tree.indent_class(level) == css


def test_site_css_has_a_class_for_each_indent_step():
    css = (settings.BASE_DIR / "campaign" / "static" / "campaign" / "site.css").read_text()
    assert all(f".level-{n} {{ --level: {n}; }}" in css for n in range(1, tree.INDENT_STEPS + 1))
