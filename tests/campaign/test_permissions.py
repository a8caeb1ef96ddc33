import pytest

from campaign.enums import Role
from campaign.models import LeaderCharge
from campaign.permissions import has_role, visible_units
from campaign.services import TreeError, move_unit
from tests import factories


@pytest.mark.django_db
def test_visible_units_is_the_members_subtree(tree, member):
    staff = member(tree["street_a"])
    assert set(visible_units(staff)) == {tree["street_a"], tree["lane_a"]}


@pytest.mark.django_db
def test_visible_units_adds_units_taken_charge_of(tree, member):
    leader = factories.UserFactory()
    LeaderCharge.objects.create(leader=leader, unit=tree["district_b"])
    assert set(visible_units(leader)) == {tree["district_b"], tree["street_b"]}
    assert has_role(leader, tree["street_b"], Role.LEADER)
    assert not has_role(leader, tree["street_a"], Role.LEADER)


@pytest.mark.django_db
def test_a_user_without_units_sees_nothing(tree):
    assert visible_units(factories.UserFactory()).count() == 0


@pytest.mark.django_db
def test_roles_hold_in_the_subtree_only(tree, member):
    coordinator = member(tree["district_a"], role=Role.COORDINATOR)
    assert has_role(coordinator, tree["lane_a"], Role.COORDINATOR)
    assert not has_role(coordinator, tree["city"], Role.COORDINATOR)
    assert not has_role(coordinator, tree["street_a"], Role.INSPECTOR)


@pytest.mark.django_db
def test_sibling_ids_sharing_a_prefix_do_not_leak(campaign):
    # Paths are "1/2/" and "1/21/": the trailing slash keeps them apart.
    # Explicit ids: on PostgreSQL sequences are not reset between tests, so ids of 25 new units
    # need not span a prefix.
    root = factories.UnitFactory(campaign=campaign, kind="headquarters")
    short = factories.UnitFactory(parent=root, id=970002)
    factories.UnitFactory(parent=root, id=9700021)
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, unit=short)
    assert list(visible_units(user)) == [short]


@pytest.mark.django_db
def test_move_unit_rewrites_the_subtree(tree):
    moved = move_unit(tree["street_a"], parent=tree["district_b"])
    tree["lane_a"].refresh_from_db()
    assert moved.path == f"{tree['district_b'].path}{moved.pk}/"
    assert tree["lane_a"].path == f"{moved.path}{tree['lane_a'].pk}/"
    assert (moved.depth, tree["lane_a"].depth) == (2, 3)


@pytest.mark.django_db
def test_move_unit_refuses_a_cycle(tree):
    with pytest.raises(TreeError):
        move_unit(tree["district_a"], parent=tree["lane_a"])
