"""Where a standard applies (the units it is bound to, the point kinds its criteria name) and
placeholder criteria, on the seeded Taiyuan standards."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaign.models import Criterion, Standard, Unit
from inspections import services
from inspections.enums import InspectionMode
from inspections.forms import MAX_STANDARD_UNITS
from inspections.models import CitizenReport
from tests import factories

pytestmark = pytest.mark.django_db

CITY_WIDE = {"ty-eight-env", "ty-nine-chaos"}


@pytest.fixture
def seeded():
    call_command("load_seeds", verbosity=0)
    return {key: Unit.objects.get(key=key) for key in ("ty-hq", "ty-xhl", "ty-wbl", "ty-jy",
                                                        "xhl-jh", "jy-jc", "lf-hq")}


def _point(unit, kind="back_street"):
    return factories.PointFactory(unit=unit, kind=kind)


def _standards(criteria):
    return {criterion.category.standard.key for criterion in criteria}


def test_seeded_standards_are_bound_where_the_documents_apply_them(seeded):
    bound = {standard.key: set(standard.units.values_list("key", flat=True))
             for standard in Standard.objects.all()}
    assert bound == {
        "ty-eight-env": {"ty-hq"}, "ty-nine-chaos": {"ty-hq"}, "ty-wbl-fine-mgmt": {"ty-wbl"},
        "jy-negative-list": {"ty-jy"}, "lf-liangcheng": {"lf-hq"},
    }
    placeholders = Criterion.objects.filter(placeholder=True)
    assert placeholders.count() == 32   # the ninth chaos, Wanbailin's 11th aspect, Jinyuan's 30
    assert set(placeholders.values_list("category__standard__key", flat=True)) == {
        "ty-nine-chaos", "ty-wbl-fine-mgmt", "jy-negative-list"}
    assert not Criterion.objects.filter(placeholder=False, name__contains="名称未见于资料").exists()


def test_jinyuan_point_gets_the_city_wide_named_criteria_only(seeded):
    # Jinyuan's negative list applies in Jinyuan, but none of its 30 items is named yet.
    point = _point(seeded["jy-jc"])
    criteria = services.applicable_criteria(point)
    assert len(criteria) == 17
    assert _standards(criteria) == CITY_WIDE
    assert services.points_possible(point) == Decimal("28")


def test_wanbailin_point_adds_its_named_aspects_for_back_streets(seeded):
    point = _point(seeded["ty-wbl"])
    criteria = services.applicable_criteria(point)
    assert len(criteria) == 23
    assert _standards(criteria) == CITY_WIDE | {"ty-wbl-fine-mgmt"}
    # Six of the ten named aspects name back streets or every kind; the 11th is unnamed.
    assert [c.key for c in criteria if c.category.standard.key == "ty-wbl-fine-mgmt"] == [
        "wbl-srsm", "wbl-hjws", "wbl-hwss", "wbl-zfzz", "wbl-ylhl", "wbl-jtzx"]
    assert services.points_possible(point) == Decimal("38")


def test_xinghualing_back_street_drops_from_70_to_28_points_possible(seeded):
    point = _point(seeded["xhl-jh"])
    # Before: every Taiyuan standard applied city-wide, placeholders included.
    for standard in Standard.objects.filter(campaign=point.campaign):
        standard.units.set([seeded["ty-hq"]])
    Criterion.objects.update(placeholder=False)
    assert len(services.applicable_criteria(point)) == 55
    assert services.points_possible(point) == Decimal("70")
    call_command("load_seeds", verbosity=0)   # the seeds put the bindings and flags back
    criteria = services.applicable_criteria(point)
    assert len(criteria) == 17
    assert _standards(criteria) == CITY_WIDE
    assert services.points_possible(point) == Decimal("28")
    assert services.points_possible(_point(seeded["xhl-jh"], "market")) == Decimal("18")


def test_a_recorded_visit_stores_the_points_possible_of_its_point(seeded):
    inspector = factories.UserFactory()
    factories.MembershipFactory(user=inspector, unit=seeded["ty-hq"], role="inspector")
    point = _point(seeded["jy-jc"])
    criterion = Criterion.objects.get(key="ty9-ninth")   # a placeholder: refused
    at = timezone.now() - dt.timedelta(hours=1)
    with pytest.raises(services.InspectionError):
        services.record_visit(point=point, by=inspector, mode=InspectionMode.OPEN, visited_at=at,
                              findings=[services.FindingInput(criterion=criterion, note="x")])
    visit = services.record_visit(point=point, by=inspector, mode=InspectionMode.OPEN,
                                  visited_at=at, findings=[])
    assert visit.points_possible == Decimal("28.00")


def test_an_unbound_standard_applies_nowhere(seeded):
    Standard.objects.get(key="ty-nine-chaos").units.clear()
    point = _point(seeded["xhl-jh"])
    assert _standards(services.applicable_criteria(point)) == {"ty-eight-env"}
    assert services.points_possible(point) == Decimal("17")


# ---- the visit form and triage never offer a placeholder ----------------------------------

def test_visit_form_never_offers_a_placeholder(client, seeded):
    inspector = factories.UserFactory()
    factories.MembershipFactory(user=inspector, unit=seeded["ty-hq"], role="inspector")
    client.force_login(inspector)
    page = client.get(reverse("inspections:visit-create", args=[_point(seeded["jy-jc"]).pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "名称未见于资料" not in html
    offered = set(re.findall(r'<option value="(\d+)"', html))
    assert offered == {str(c.pk) for c in services.applicable_criteria(_point(seeded["jy-jc"]))}
    assert len(offered) == 17


def test_triage_never_offers_a_placeholder(client, seeded):
    coordinator = factories.UserFactory()
    factories.MembershipFactory(user=coordinator, unit=seeded["ty-hq"], role="coordinator")
    report = CitizenReport.objects.create(campaign=seeded["ty-hq"].campaign, tracking_code="ABC",
                                          description="路边乱堆杂物", location="晋祠镇")
    client.force_login(coordinator)
    html = client.get(reverse("inspections:report-detail", args=[report.pk])).content.decode()
    choices = re.search(r'<select name="criterion".*?</select>', html, re.S).group(0)
    assert "名称未见于资料" not in choices
    offered = set(re.findall(r'<option value="(\d+)"', choices))
    named = Criterion.objects.filter(category__standard__campaign=report.campaign,
                                     placeholder=False)
    assert offered == {str(pk) for pk in named.values_list("pk", flat=True)}
    assert len(offered) == 23 + 8 + 10


def test_triage_refuses_a_criterion_whose_standard_does_not_apply_there(client, seeded):
    coordinator = factories.UserFactory()
    factories.MembershipFactory(user=coordinator, unit=seeded["ty-hq"], role="coordinator")
    report = CitizenReport.objects.create(campaign=seeded["ty-hq"].campaign, tracking_code="ABD",
                                          description="路边乱堆杂物", location="涧河街道")
    wanbailin_only = Criterion.objects.get(key="wbl-hjws")
    client.force_login(coordinator)
    response = client.post(reverse("inspections:report-detail", args=[report.pk]), {
        "unit": seeded["xhl-jh"].pk, "criterion": wanbailin_only.pk, "title": "乱堆杂物",
        "deadline": (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200
    assert "这个测评项所属的测评体系不适用于涧河街道。" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "new"


# ---- naming a placeholder brings it into force ---------------------------------------------

def _criterion_post(criterion, **changes):
    return {"category": criterion.category_id, "key": criterion.key, "name": criterion.name,
            "order": criterion.order, "points": criterion.points,
            "deadline_days": criterion.deadline_days, "point_kinds": criterion.point_kinds,
            "is_active": "on", "source": criterion.source, "note": criterion.note, **changes}


def test_renaming_a_placeholder_brings_it_into_force(client, seeded):
    coordinator = factories.UserFactory()
    factories.MembershipFactory(user=coordinator, unit=seeded["ty-hq"], role="coordinator")
    item = Criterion.objects.get(key="jyneg-01")
    url = reverse("inspections:criterion-edit", args=[item.category.standard_id, item.pk])
    client.force_login(coordinator)
    # Changing the points alone leaves it a placeholder.
    assert client.post(url, _criterion_post(item, points="2")).status_code == 302
    item.refresh_from_db()
    assert (item.placeholder, item.points) == (True, Decimal("2.00"))
    # A name still carrying the placeholder wording is refused, nothing lost.
    refused = client.post(url, _criterion_post(item, name="负面清单事项（第1，名称未见于资料）甲"))
    assert refused.status_code == 200
    assert "请填写测评体系使用的测评项名称。" in refused.content.decode()
    assert "负面清单事项（第1，名称未见于资料）甲" in refused.content.decode()
    assert client.post(url, _criterion_post(item, name="门前堆放杂物")).status_code == 302
    item.refresh_from_db()
    assert (item.placeholder, item.name) == (False, "门前堆放杂物")
    jinyuan, xinghualing = _point(seeded["jy-jc"]), _point(seeded["xhl-jh"])
    assert item in services.applicable_criteria(jinyuan)
    assert services.points_possible(jinyuan) == Decimal("30")   # 28 + 2
    assert services.points_possible(xinghualing) == Decimal("28")
    page = client.get(reverse("inspections:standard-detail", args=[item.category.standard_id]))
    assert page.content.decode().count("未命名：命名前不检查") == 29


# ---- binding a standard on its page --------------------------------------------------------

@pytest.fixture
def binding(client, seeded):
    coordinator = factories.UserFactory()
    factories.MembershipFactory(user=coordinator, unit=seeded["ty-hq"], role="coordinator")
    standard = Standard.objects.get(key="ty-wbl-fine-mgmt")
    return {"coordinator": coordinator, "standard": standard, "units": seeded,
            "url": reverse("inspections:standard-units", args=[standard.pk])}


def _ticked(page) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="units" value="(\d+)"[^>]* checked', page.content.decode())]


def test_coordinator_binds_a_standard_to_units(client, binding):
    units, standard = binding["units"], binding["standard"]
    client.force_login(binding["coordinator"])
    page = client.get(binding["url"])
    assert page.status_code == 200
    assert _ticked(page) == [units["ty-wbl"].pk]
    response = client.post(binding["url"], {"units": [units["ty-wbl"].pk, units["ty-xhl"].pk]})
    assert response.status_code == 302
    assert set(standard.units.values_list("key", flat=True)) == {"ty-wbl", "ty-xhl"}
    assert services.points_possible(_point(units["xhl-jh"])) == Decimal("38")
    detail = client.get(reverse("inspections:standard-detail", args=[standard.pk]))
    assert "杏花岭区、万柏林区" in detail.content.decode()
    # Choosing none unbinds: the standard then applies nowhere, and the page says so.
    assert client.post(binding["url"], {}).status_code == 302
    assert not standard.units.exists()
    assert services.points_possible(_point(units["ty-wbl"])) == Decimal("28")
    detail = client.get(reverse("inspections:standard-detail", args=[standard.pk]))
    assert "未绑定任何单位：这个测评体系不适用于任何地方" in detail.content.decode()
    page = client.get(binding["url"]).content.decode()
    assert '<p id="chosen-units">未选任何单位：这个测评体系不适用于任何地方。</p>' in page
    assert _ticked(client.get(binding["url"])) == []


def test_binding_page_ticks_units_in_tree_order_and_names_the_chosen(client, binding):
    units, standard = binding["units"], binding["standard"]
    client.force_login(binding["coordinator"])
    page = client.get(binding["url"]).content.decode()
    # The name has its own quotes where it has any: the title adds none.
    assert f"<h1 class=\"h3\">适用范围：{standard.name}</h1>" in page
    assert '<p id="chosen-units">已选 1 个单位：万柏林区</p>' in page
    detail = reverse("inspections:standard-detail", args=[standard.pk])
    assert f'<a class="btn btn-outline-secondary" href="{detail}" id="cancel-link">取消</a>' in page
    # Every unit of the campaign, parents before children, each indented by its depth.
    listed = [int(pk) for pk in re.findall(r'name="units" value="(\d+)"', page)]
    in_order = list(Unit.objects.filter(campaign=standard.campaign).order_by("path"))
    assert listed == [unit.pk for unit in in_order]
    for unit in (units["ty-hq"], units["ty-wbl"], units["xhl-jh"]):
        assert (f'<div class="form-check level-{unit.depth}"><input type="checkbox" '
                f'name="units" value="{unit.pk}"') in page
    assert (units["ty-hq"].depth, units["ty-wbl"].depth, units["xhl-jh"].depth) == (0, 1, 2)
    # A refused post names what it ticked, not what is bound.
    refused = client.post(binding["url"], {"units": [units["ty-xhl"].pk, units["ty-wbl"].pk,
                                                     units["lf-hq"].pk]}).content.decode()
    assert '<p id="chosen-units">已选 2 个单位：杏花岭区、万柏林区</p>' in refused
    nine_chaos = Standard.objects.get(key="ty-nine-chaos")
    page = client.get(reverse("inspections:standard-units", args=[nine_chaos.pk])).content.decode()
    assert "<h1 class=\"h3\">适用范围：“九乱”专项整治问题分类</h1>" in page


def test_category_and_criterion_pages_offer_a_cancel_link(client, binding):
    standard = binding["standard"]
    client.force_login(binding["coordinator"])
    detail = reverse("inspections:standard-detail", args=[standard.pk])
    cancel = f'<a class="btn btn-outline-secondary" href="{detail}" id="cancel-link">取消</a>'
    for name in ("category-create", "criterion-create"):
        page = client.get(reverse(f"inspections:{name}", args=[standard.pk]))
        assert page.status_code == 200
        assert cancel in page.content.decode()


def test_binding_needs_the_standard_editing_role(client, binding):
    inspector = factories.UserFactory()
    factories.MembershipFactory(user=inspector, unit=binding["units"]["ty-hq"], role="inspector")
    district = factories.UserFactory()
    factories.MembershipFactory(user=district, unit=binding["units"]["ty-wbl"],
                                role="coordinator")
    for user in (inspector, district):
        client.force_login(user)
        assert client.get(binding["url"]).status_code == 403
        assert client.post(binding["url"], {"units": []}).status_code == 403
    assert set(binding["standard"].units.values_list("key", flat=True)) == {"ty-wbl"}
    client.force_login(binding["coordinator"])
    detail = client.get(reverse("inspections:standard-detail", args=[binding["standard"].pk]))
    assert binding["url"] in detail.content.decode()
    client.force_login(district)
    detail = client.get(reverse("inspections:standard-detail", args=[binding["standard"].pk]))
    assert binding["url"] not in detail.content.decode()


def test_binding_another_campaigns_standard_is_not_found(client, binding):
    linfen = factories.UserFactory()
    factories.MembershipFactory(user=linfen, unit=binding["units"]["lf-hq"], role="coordinator")
    client.force_login(linfen)
    assert client.get(binding["url"]).status_code == 404
    assert client.post(binding["url"], {"units": [binding["units"]["lf-hq"].pk]}).status_code == 404
    assert set(binding["standard"].units.values_list("key", flat=True)) == {"ty-wbl"}


def test_binding_refuses_units_out_of_scope_and_too_many(client, binding):
    units, standard = binding["units"], binding["standard"]
    client.force_login(binding["coordinator"])
    foreign = units["lf-hq"].pk   # another campaign's unit
    response = client.post(binding["url"], {"units": [units["ty-xhl"].pk, foreign]})
    assert response.status_code == 200
    assert f"单位 {foreign} 不是您在这个测评体系所属创建工作中协调的单位。" in response.content.decode()
    assert _ticked(response) == [units["ty-xhl"].pk]
    too_many = list(Unit.objects.filter(campaign=standard.campaign).values_list("pk", flat=True)
                    [:MAX_STANDARD_UNITS + 1])
    response = client.post(binding["url"], {"units": too_many})
    assert response.status_code == 200
    assert f"最多绑定 {MAX_STANDARD_UNITS} 个单位（您选了 {MAX_STANDARD_UNITS + 1} 个）" in (
        response.content.decode())
    response = client.post(binding["url"], {"units": ["x1"]})
    assert response.status_code == 200
    assert "“x1”不是单位编号。" in response.content.decode()
    assert set(standard.units.values_list("key", flat=True)) == {"ty-wbl"}


def test_seeds_refuse_a_standard_bound_to_an_unknown_unit(tmp_path, settings):
    from campaign.seeds import SeedError, load_seeds

    for source in settings.SEEDS_DIR.glob("*.json"):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    records = json.loads((tmp_path / "standards.json").read_text(encoding="utf-8"))
    records[3]["units"] = ["lf-hq"]   # Jinyuan's list bound to another campaign's unit
    (tmp_path / "standards.json").write_text(json.dumps(records), encoding="utf-8")
    with pytest.raises(SeedError, match="standard jy-negative-list: unknown unit"):
        load_seeds(tmp_path)
