"""The scope predicates and queries moved out of the views into the permissions modules
(campaign.permissions, inspections.permissions): exact answers per role, and the one rule for
citizen-report triage that the nav, the item list and the report pages share."""

import pytest
from django.urls import reverse

from campaign import permissions as campaign_permissions
from campaign.models import Campaign, Unit
from inspections import permissions, services
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ("office", "district", "inspector", "staff", "leader", "outsider")


@pytest.fixture
def roles(tree, member):
    """The roles of the scope matrix: the campaign office (city root), district A's
    coordinator, an inspector and a leader in district A, street A's staff, and the coordinator
    of another campaign's root."""
    other_root = factories.UnitFactory(parent=None, kind="headquarters", name="另一指挥部")
    return {
        "office": member(tree["city"], "coordinator", username="office"),
        "district": member(tree["district_a"], "coordinator", username="district"),
        "inspector": member(tree["district_a"], "inspector", username="inspector"),
        "staff": member(tree["street_a"], "unit_staff", username="staff"),
        "leader": member(tree["district_a"], "leader", username="leader"),
        "outsider": member(other_root, "coordinator", username="outsider"),
        "other_root": other_root,
    }


def answers(predicate, roles, *args):
    return tuple(predicate(roles[role], *args) for role in ROLES)


def test_can_triage_reports_is_the_campaign_office_only(roles):
    assert answers(permissions.can_triage_reports, roles) == (True, False, False, False, False, True)


def test_visible_citizen_reports_are_the_offices_campaigns(tree, roles):
    ours = services.report_problem(campaign=tree["city"].campaign, description="井盖缺失",
                                   location="甲街口", uploads=[factories.make_jpeg()])
    theirs = services.report_problem(campaign=roles["other_root"].campaign, description="占道",
                                     location="乙路口", uploads=[factories.make_jpeg()])
    seen = {role: set(permissions.visible_citizen_reports(roles[role])) for role in ROLES}
    assert seen == {"office": {ours}, "district": set(), "inspector": set(), "staff": set(),
                    "leader": set(), "outsider": {theirs}}


def test_can_edit_standard_is_the_office_of_the_standards_campaign(tree, roles):
    ours = factories.StandardFactory(campaign=tree["city"].campaign)
    theirs = factories.StandardFactory(campaign=roles["other_root"].campaign)
    assert answers(permissions.can_edit_standard, roles, ours) == (
        True, False, False, False, False, False)
    assert answers(permissions.can_edit_standard, roles, theirs) == (
        False, False, False, False, False, True)


def test_visible_standards_are_those_of_the_campaigns_one_sees(tree, roles):
    ours = factories.StandardFactory(campaign=tree["city"].campaign)
    theirs = factories.StandardFactory(campaign=roles["other_root"].campaign)
    seen = {role: set(permissions.visible_standards(roles[role])) for role in ROLES}
    assert seen == {"office": {ours}, "district": {ours}, "inspector": {ours}, "staff": {ours},
                    "leader": {ours}, "outsider": {theirs}}


def test_can_edit_point_is_a_coordinator_of_its_unit(tree, roles):
    point_a = factories.PointFactory(unit=tree["street_a"])
    point_b = factories.PointFactory(unit=tree["street_b"])
    assert answers(permissions.can_edit_point, roles, point_a) == (
        True, True, False, False, False, False)
    assert answers(permissions.can_edit_point, roles, point_b) == (
        True, False, False, False, False, False)


def test_list_buttons(roles):
    assert answers(permissions.can_manage_points, roles) == (True, True, False, False, False, True)
    assert answers(permissions.can_inspect_somewhere, roles) == (
        True, True, True, False, False, True)


def test_managed_and_inspecting_units(tree, roles):
    def names(query):
        return {role: sorted(unit.name for unit in query(roles[role])) for role in ROLES}

    district_a = ["甲区", "甲巷长办公室", "甲街道"]
    assert names(campaign_permissions.managed_units) == {
        "office": sorted(unit.name for unit in tree.values()), "district": district_a,
        "inspector": [], "staff": [], "leader": [], "outsider": ["另一指挥部"]}
    assert names(permissions.inspecting_units) == {
        "office": sorted(unit.name for unit in tree.values()), "district": district_a,
        "inspector": district_a, "staff": [], "leader": [], "outsider": ["另一指挥部"]}


def test_managed_and_office_campaigns(tree, roles):
    ours, theirs = tree["city"].campaign, roles["other_root"].campaign
    managed = {role: set(campaign_permissions.managed_campaigns(roles[role])) for role in ROLES}
    office = {role: set(campaign_permissions.office_campaigns(roles[role])) for role in ROLES}
    assert managed == {"office": {ours}, "district": {ours}, "inspector": set(), "staff": set(),
                       "leader": set(), "outsider": {theirs}}
    assert office == {"office": {ours}, "district": set(), "inspector": set(), "staff": set(),
                      "leader": set(), "outsider": {theirs}}


def test_campaign_root_is_the_first_root(tree):
    campaign = tree["city"].campaign
    factories.UnitFactory(campaign=campaign, parent=None, kind="headquarters", name="第二根")
    assert campaign_permissions.campaign_root(campaign.pk) == tree["city"]
    assert campaign_permissions.campaign_root(Campaign.objects.create(
        key="empty", name="空", city="太原市", start="2019-01-01", end="2019-12-31").pk) is None


def test_superuser_holds_every_right(tree):
    admin = factories.UserFactory(is_superuser=True)
    assert permissions.can_triage_reports(admin) and permissions.can_manage_points(admin)
    assert permissions.can_inspect_somewhere(admin)
    assert campaign_permissions.managed_units(admin).count() == Unit.objects.count()


# ---- the bug of issue 9: the nav and the item list offered a page the view refused ----------

@pytest.mark.parametrize(("role", "offered", "status"), [("office", True, 200),
                                                         ("district", False, 403)])
def test_citizen_reports_are_offered_exactly_to_who_may_triage(client, roles, role, offered,
                                                               status):
    client.force_login(roles[role])
    items = client.get(reverse("inspections:rectification-list")).content.decode()
    report_list = reverse("inspections:report-list")
    assert ('id="nav-reports"' in items) is offered
    assert (f'href="{report_list}"' in items) is offered     # the nav's and the list's link
    assert items.count(f'href="{report_list}"') == (2 if offered else 0)
    assert client.get(report_list).status_code == status
