import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from campaign.enums import Role
from campaign.models import Unit
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_logs_in_and_opens_the_command_tree(page, live_server, login):
    call_command("load_seeds", verbosity=0)
    coordinator = factories.UserFactory(username="coordinator", name="王协调")
    factories.MembershipFactory(user=coordinator, unit=Unit.objects.get(key="ty-hq"),
                                role=Role.COORDINATOR)

    login("coordinator")
    expect(page.get_by_role("heading", name="欢迎，王协调")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="打开指挥体系").click()
    tree = page.locator("#unit-tree")
    expect(tree.get_by_role("link", name="杏花岭区")).to_be_visible()
    assert_accessible(page)
    # Two levels are open by default: districts and their streets show, lane offices do not.
    jianhe = tree.get_by_role("link", name="涧河街道", exact=True)
    expect(jianhe).to_be_visible()
    jianhe_node = tree.locator("details", has=page.locator("summary", has_text="涧河街道")).last
    first_lane = jianhe_node.locator("li a").first
    expect(first_lane).to_be_attached()
    expect(first_lane).to_be_hidden()
    jianhe_node.locator("summary .unit-kind").first.click()
    expect(first_lane).to_be_visible()
    expect(first_lane).to_contain_text("巷长办公室")

    jianhe.click()
    expect(page.get_by_role("heading", name="涧河街道")).to_be_visible()
    expect(page.locator("#unit-children li")).to_have_count(11 + 14)   # lane offices and communities
    assert_accessible(page)
    expect(page.locator(".breadcrumb")).to_have_text(re.compile(r"^\s*太原市"), use_inner_text=True)
