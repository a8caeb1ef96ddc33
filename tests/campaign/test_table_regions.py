"""Issue 15: a table that may scroll sideways sits in a named region a keyboard reaches, and page
links sit in a nav only when there are any, each nav named apart (django-tables2's template,
templates/django_tables2/bootstrap5-responsive.html, and the item lists' inspections/_pager.html)."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from campaign.enums import Role
from tests import factories

REGION = 'class="table-responsive" tabindex="0" role="region" aria-label="{}"'


@pytest.mark.django_db
def test_the_unit_list_table_is_a_named_region_with_its_page_links_outside(client, tree, member):
    for number in range(3):
        factories.UnitFactory(parent=tree["street_a"], kind="lane_office", name=f"巷{number}")
    client.force_login(member(tree["city"], role=Role.COORDINATOR))
    page = client.get(reverse("unit-list"), {"per_page": 2}).content.decode()
    assert REGION.format("单位") in page
    [nav] = re.findall(r"<nav [^>]*>", page[page.index(REGION.format("单位")):])
    assert nav == '<nav aria-label="单位的分页">'
    assert "Table navigation" not in page
    # The links follow the region: they do not scroll away with a wide table.
    assert page.index("</table>") < page.index("</div>", page.index("</table>")) < page.index(nav)

    page = client.get(reverse("unit-list")).content.decode()     # one page: no nav
    assert REGION.format("单位") in page and "单位的分页" not in page


@pytest.mark.parametrize(("context", "navs"), [
    ({"count": 3, "first_url": None, "next_url": None}, []),
    ({"count": 300, "first_url": None, "next_url": "?after=x"}, ["分页"]),
    ({"count": 300, "first_url": "?", "next_url": None, "end": True}, ["分页（列表末尾）"]),
])
def test_the_pager_has_a_nav_only_with_links_and_names_the_one_below_the_list(context, navs):
    html = render_to_string("inspections/_pager.html", context)
    assert re.findall(r'<nav [^>]*aria-label="([^"]+)"', html) == navs
    assert ('id="item-count"' in html) == (not context.get("end"))


def test_the_pager_below_a_list_with_one_page_renders_nothing():
    html = render_to_string("inspections/_pager.html", {"count": 3, "first_url": None,
                                                         "next_url": None, "end": True})
    assert html.strip() == ""
