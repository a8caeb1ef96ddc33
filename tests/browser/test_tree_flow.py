import pytest
from django.core.management import call_command

from campaign.enums import Role
from campaign.models import Unit
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_logs_in_and_opens_the_command_tree(page, live_server, login):
    call_command("load_seeds", verbosity=0)
    coordinator = factories.UserFactory(username="coordinator", name="王协调")
    factories.MembershipFactory(user=coordinator, unit=Unit.objects.get(key="ty-hq"),
                                role=Role.COORDINATOR)

    login("coordinator")
    assert page.get_by_role("heading", name="欢迎，王协调").is_visible()

    page.get_by_role("link", name="打开指挥体系").click()
    tree = page.locator("#unit-tree")
    assert tree.get_by_role("link", name="杏花岭区").is_visible()
    # Two levels are open by default: districts and their streets show, lane offices do not.
    jianhe = tree.get_by_role("link", name="涧河街道", exact=True)
    assert jianhe.is_visible()
    jianhe_node = tree.locator("details", has=page.locator("summary", has_text="涧河街道")).last
    first_lane = jianhe_node.locator("li a").first
    assert not first_lane.is_visible()
    jianhe_node.locator("summary .unit-kind").first.click()
    assert first_lane.is_visible()
    assert "巷长办公室" in first_lane.inner_text()

    jianhe.click()
    assert page.get_by_role("heading", name="涧河街道").is_visible()
    assert page.locator("#unit-children li").count() == 11 + 14   # lane offices and communities
    assert page.locator(".breadcrumb").inner_text().split("\n")[0].startswith("太原市")
