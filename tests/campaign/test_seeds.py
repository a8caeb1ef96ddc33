from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command

from campaign.models import Campaign, Category, Criterion, Standard, Unit
from inspections.enums import SolvingMethod


def _snapshot():
    return {
        "units": list(Unit.objects.order_by("pk").values_list(
            "pk", "key", "name", "kind", "code", "path", "depth", "parent_id", "placeholder"
        )),
        "criteria": list(Criterion.objects.order_by("pk").values_list(
            "pk", "key", "name", "points", "deadline_days", "placeholder"
        )),
        "bindings": sorted(Standard.units.through.objects.values_list("standard_id", "unit_id")),
        "campaigns": Campaign.objects.count(),
        "standards": Standard.objects.count(),
        "categories": Category.objects.count(),
    }


@pytest.mark.django_db
def test_load_seeds_twice_changes_nothing(capsys):
    call_command("load_seeds")
    first = _snapshot()
    call_command("load_seeds")
    assert "nothing changed" in capsys.readouterr().out
    assert _snapshot() == first


def _kind_counts(parent_key):
    parent = Unit.objects.get(key=parent_key)
    return Counter(parent.children.values_list("kind", flat=True))


@pytest.mark.django_db
def test_seed_hierarchy_matches_the_figures_in_the_documents():
    call_command("load_seeds")
    # Taiyuan (001): 7 sub-commands, 1 coordination office with 10 work groups, 6区3县1市.
    assert _kind_counts("ty-hq") == {"sub_command": 7, "coordination_office": 1, "district": 10}
    assert _kind_counts("ty-coord") == {"work_group": 10}
    districts = Unit.objects.get(key="ty-hq").children.filter(kind="district")
    assert set(districts.values_list("name", flat=True)) == {
        "小店区", "迎泽区", "杏花岭区", "尖草坪区", "万柏林区", "晋源区",
        "清徐县", "阳曲县", "娄烦县", "古交市",
    }
    # Xinghualing (002): 6 sub-commands, 10 work groups, 12 street/township groups,
    # 111 lane-chief offices under its 10 streets.
    xinghualing = Unit.objects.get(key="ty-xhl")
    assert _kind_counts("ty-xhl") == {"sub_command": 6, "work_group": 10, "street": 12}
    lanes = Unit.objects.filter(path__startswith=xinghualing.path, kind="lane_office")
    assert lanes.count() == 111
    assert lanes.values("parent").distinct().count() == 10
    assert Unit.objects.get(key="xhl-jh").children.filter(kind="community").count() == 14
    # Jinyuan (003): its streets and towns.
    assert set(Unit.objects.get(key="ty-jy").children.values_list("name", flat=True)) == {
        "义井街道", "罗城街道", "晋源街道", "金胜镇", "晋祠镇", "姚村镇",
    }
    # Linfen (004): 3 resident + 10 special work groups, 17 county-level units.
    linfen = Unit.objects.get(key="lf-hq")
    linfen_units = Unit.objects.filter(path__startswith=linfen.path)
    assert linfen_units.filter(kind="work_group").count() == 13
    assert linfen_units.filter(kind="district").count() == 17


@pytest.mark.django_db
def test_seed_placeholders_say_so_and_every_unit_names_its_source():
    call_command("load_seeds")
    assert not Unit.objects.filter(source="").exists()
    for unit in Unit.objects.filter(placeholder=True):
        assert unit.note, unit.key
    lane = Unit.objects.filter(kind="lane_office").first()
    assert lane.placeholder is True


@pytest.mark.django_db
def test_seed_standards_hold_the_named_systems():
    call_command("load_seeds")
    eight = Standard.objects.get(name__contains="八")
    assert eight.categories.count() == 8
    linfen = Standard.objects.get(campaign__key__startswith="linfen")
    assert linfen.categories.count() == 3
    assert Criterion.objects.filter(category__standard=linfen).count() == 9
    assert "31" in linfen.note + "".join(linfen.categories.values_list("note", flat=True))


def test_the_721_method_is_the_solving_method_enum_not_a_fixture():
    assert SolvingMethod.values == ["service", "management", "enforcement"]
    assert not (settings.SEEDS_DIR / "methods.json").exists()
