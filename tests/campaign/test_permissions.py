import pytest

from campaign.enums import Role
from campaign.models import LeaderCharge, Unit
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


# Fresh sequences: on PostgreSQL ids keep growing across tests, and 25 siblings past a digit
# boundary (e.g. 1000…1024) would all have ids of one length.
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_sibling_ids_sharing_a_prefix_do_not_leak(campaign):
    # Paths ".../00000002/" and ".../000000021/": the trailing slash keeps them apart.
    root = factories.UnitFactory(campaign=campaign, kind="headquarters")
    short = factories.UnitFactory(parent=root)
    longer = factories.UnitFactory(parent=root)
    # Whatever the id sequence has reached (PostgreSQL does not reset it between tests), give the
    # sibling a path segment that starts with `short`'s.
    Unit.objects.filter(pk=longer.pk).update(path=f"{root.path}{short.pk:08d}1/")
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, unit=short)
    assert list(visible_units(user)) == [short]


@pytest.mark.django_db
def test_move_unit_rewrites_the_subtree(tree):
    moved = move_unit(tree["street_a"], parent=tree["district_b"])
    tree["lane_a"].refresh_from_db()
    assert moved.path == f"{tree['district_b'].path}{moved.pk:08d}/"
    assert tree["lane_a"].path == f"{moved.path}{tree['lane_a'].pk:08d}/"
    assert (moved.depth, tree["lane_a"].depth) == (2, 3)


@pytest.mark.django_db
def test_move_unit_refuses_a_cycle(tree):
    with pytest.raises(TreeError):
        move_unit(tree["district_a"], parent=tree["lane_a"])


@pytest.mark.django_db
def test_a_scope_over_a_whole_campaign_filters_on_the_campaign(tree, member):
    # The same rows as the path filter; only a campaign whose every root is in scope is
    # filtered on campaign_id (what the planner needs), a second root keeps the paths.
    from django.db.models import Q

    from campaign.models import Point
    from campaign.permissions import campaign_scope_q, scope_q

    campaign = tree["city"].campaign
    points = {name: factories.PointFactory(unit=tree[name], campaign=campaign)
              for name in ("city", "street_a", "lane_a", "street_b")}
    elsewhere = factories.PointFactory()
    office = member(tree["city"], Role.COORDINATOR)
    staff = member(tree["street_a"])
    assert campaign_scope_q(office) == Q(campaign_id__in=[campaign.pk])
    second_root = factories.UnitFactory(campaign=campaign, parent=None, name="第二指挥部")
    other_root_point = factories.PointFactory(unit=second_root, campaign=campaign)
    office = type(office).objects.get(pk=office.pk)        # a fresh request's user
    assert campaign_scope_q(office) != Q(campaign_id__in=[campaign.pk])
    for user, expected in [
        (office, set(points.values())),
        (staff, {points["street_a"], points["lane_a"]}),
    ]:
        assert set(Point.objects.filter(campaign_scope_q(user))) == expected
        assert set(Point.objects.filter(scope_q(user))) == expected
    both = member(tree["city"], Role.COORDINATOR)
    factories.MembershipFactory(user=both, unit=second_root, role=Role.COORDINATOR)
    assert campaign_scope_q(both) == Q(campaign_id__in=[campaign.pk])
    assert set(Point.objects.filter(campaign_scope_q(both))) == {*points.values(), other_root_point}
    assert elsewhere not in set(Point.objects.filter(campaign_scope_q(both)))
