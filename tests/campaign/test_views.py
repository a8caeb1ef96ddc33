import pytest
from django.urls import reverse

from campaign.enums import Role
from campaign.models import LeaderCharge
from tests import factories
from tests.factories import login


@pytest.fixture
def staff_client(client, tree, member):
    user = member(tree["street_a"], role=Role.UNIT_STAFF)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_pages_need_a_login(client):
    response = client.get(reverse("unit-tree"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_unit_detail_shows_kind_parent_children_members_and_leaders(client, tree, member):
    coordinator = member(tree["district_a"], role=Role.COORDINATOR, name="王协调")
    member(tree["street_a"], role=Role.UNIT_STAFF, name="张专干")
    leader = factories.UserFactory(name="赵领导")
    LeaderCharge.objects.create(leader=leader, unit=tree["district_a"], title="包联领导")
    client.force_login(coordinator)
    page = client.get(reverse("inspections:unit-detail", args=[tree["street_a"].pk])).content.decode()
    assert "甲街道" in page and "街乡" in page   # kind in Chinese
    assert "甲区" in page                        # parent
    assert "甲巷长办公室" in page                 # child
    assert "张专干" in page and "责任单位" in page  # member and role
    assert "赵领导" in page                       # leader of an ancestor


@pytest.mark.django_db
def test_unit_outside_scope_is_404(staff_client, tree):
    response = staff_client.get(reverse("inspections:unit-detail", args=[tree["street_b"].pk]))
    assert response.status_code == 404
    assert "乙街道" not in response.content.decode()


@pytest.mark.django_db
def test_tree_shows_only_the_subtree(staff_client, tree):
    page = staff_client.get(reverse("unit-tree")).content.decode()
    assert "甲街道" in page and "甲巷长办公室" in page
    assert "乙街道" not in page and "市指挥部" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    "?page=abc", "?page=99999999", "?page=-3", "?page=1e9", "?sort=nonsense",
    "?kind=nonsense", "?per_page=abc", "?name=%00",
])
def test_unit_list_survives_malformed_parameters(staff_client, query):
    response = staff_client.get(reverse("unit-list") + query)
    assert response.status_code == 200


@pytest.mark.django_db
def test_unit_list_clamps_page_past_the_end(staff_client):
    response = staff_client.get(reverse("unit-list") + "?page=99999999")
    assert response.context["table"].page.number == 1


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?depth=abc", "?depth=999", "?kind=bogus"])
def test_tree_survives_malformed_parameters(staff_client, query):
    assert staff_client.get(reverse("unit-tree") + query).status_code == 200


@pytest.mark.django_db
def test_bad_month_gives_a_clear_message(staff_client, tree):
    url = reverse("inspections:unit-detail", args=[tree["street_a"].pk]) + "?month=2019-13"
    page = staff_client.get(url).content.decode()
    assert "不是有效的月份" in page


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/units/999999/", "/units/99999999999999999999999/", "/units/abc/"])
def test_unknown_unit_ids_are_404(staff_client, path):
    assert staff_client.get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "per_page", "rows"), [("-5", 1, 1), ("0", 50, 2), ("100000", 200, 2)])
def test_unit_list_holds_per_page_to_1_to_200(staff_client, value, per_page, rows):
    """Street A's staff sees street A and lane A: two rows."""
    response = staff_client.get(reverse("unit-list"), {"per_page": value})
    assert response.status_code == 200
    assert response.context["table"].paginator.per_page == per_page
    assert len(response.context["table"].page.object_list) == rows


@pytest.mark.django_db
def test_admin_lists_every_model(admin_client):
    from django.apps import apps
    from django.contrib import admin

    ours = [m for m in apps.get_models()
            if m._meta.app_label in {"campaign", "inspections", "notifications", "audit"}]
    # Through-tables and counters are internal; everything a person deals with is in the admin.
    internal = {"CodeSequence", "NoticeSequence", "BulletinSequence"}
    internal |= {"NoticeEvent", "NoticeReply"}  # shown inside their notice
    internal |= {"MonthlyScore"}  # shown inside its bulletin
    missing = [m.__name__ for m in ours if not admin.site.is_registered(m) and m.__name__ not in internal]
    assert missing == []
    for model in ours:
        if admin.site.is_registered(model):
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert admin_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_language_switcher_names_each_language_in_itself(client, people):
    body = login(client, people["staff"]).get(reverse("home")).content.decode()
    assert ">English</option>" in body and ">简体中文</option>" in body and "英语" not in body
