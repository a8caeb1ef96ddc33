import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from campaign.enums import Role
from campaign.models import Standard, Unit
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_binds_a_standard_to_another_district(page, live_server, login):
    call_command("load_seeds", verbosity=0)
    coordinator = factories.UserFactory(username="coordinator", name="王协调")
    factories.MembershipFactory(user=coordinator, unit=Unit.objects.get(key="ty-hq"),
                                role=Role.COORDINATOR)
    standard = Standard.objects.get(key="ty-wbl-fine-mgmt")
    wanbailin, xinghualing = Unit.objects.get(key="ty-wbl"), Unit.objects.get(key="ty-xhl")

    login("coordinator")
    page.goto(f"{live_server.url}/standards/{standard.pk}/")
    applies = page.locator("section[aria-labelledby=applies-to]")
    expect(applies).to_contain_text("万柏林区")
    expect(page.get_by_text("未命名：命名前不检查")).to_have_count(1)   # the 11th aspect
    assert_accessible(page)
    applies.get_by_role("link", name="修改").click()

    # One checkbox a unit: ticking one more keeps the units already chosen.
    wanbailin_box = page.locator(f"input[name=units][value='{wanbailin.pk}']")
    xinghualing_box = page.locator(f"input[name=units][value='{xinghualing.pk}']")
    expect(wanbailin_box).to_be_checked()
    expect(xinghualing_box).not_to_be_checked()
    assert_accessible(page)
    xinghualing_box.check()
    expect(wanbailin_box).to_be_checked()
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("heading", name=standard.name)).to_be_visible()
    expect(applies).to_contain_text("杏花岭区、万柏林区")
    assert set(standard.units.values_list("key", flat=True)) == {"ty-wbl", "ty-xhl"}
