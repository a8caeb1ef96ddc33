"""Issue 15: every main page, as the role that uses it, in Chinese and English, on an office screen
(1280 px) and a phone (375 px): axe-core finds no serious or critical violation, and on the phone
nothing scrolls sideways (a wide table scrolls inside its own focusable region instead).

The demo seeder (`seed_demo`) builds the data once per test: every item status, rounds, visits,
published and draft rankings, tasks, a supervision notice; the test adds a citizen report. Each
role gets one browser context per language and width; a failure names the page, role, language
and width of every page that failed, not only the first."""

import dataclasses
import io
import re
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from campaign.demo import DEMO_PASSWORD
from campaign.enums import Role
from campaign.models import Campaign, Standard, Task, Unit, User
from inspections import services
from inspections.enums import RectificationStatus as S
from inspections.models import (
    CitizenReport,
    Inspection,
    InspectionRound,
    Notice,
    PublishedFix,
    Rectification,
)
from tests import factories
from tests.browser.conftest import assert_accessible, axe_problems, new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGS = ("zh-CN", "en-US")
WIDTHS = (1280, 375)


@dataclasses.dataclass(frozen=True)
class Demo:
    """The objects the pages open, picked from the demo data."""

    campaign: int
    district: int
    street: int
    item_to_verify: int       # submitted: the coordinator's step forms (close, return…)
    item_to_fix: int          # open in the street user's unit: the fix form
    round: int
    point: int
    visit: int
    task: int
    task_to_report: int
    notice: int
    standard: int
    report: int
    tracking_code: str
    published_item: int       # a fixed report's item: the publish form


def _demo() -> Demo:
    call_command("seed_demo", force=True, stdout=io.StringIO())
    campaign = Campaign.objects.get(units__key="ty-xhl")
    street = Unit.objects.get(key="xhl-jh")
    report = services.report_problem(
        campaign=campaign, description="人行道上堆放建筑垃圾", location="涧河街道演示路 1 号")
    mine = Task.objects.filter(unit=street).order_by("pk")
    return Demo(
        campaign=campaign.pk,
        district=Unit.objects.get(key="ty-xhl").pk,
        street=street.pk,
        item_to_verify=Rectification.objects.filter(
            status=S.SUBMITTED, unit__path__startswith=street.path).order_by("pk").first().pk,
        item_to_fix=Rectification.objects.filter(
            status=S.OPEN, unit__path__startswith=street.path).order_by("pk").first().pk,
        round=InspectionRound.objects.filter(unit__key="ty-xhl").order_by("pk").first().pk,
        point=Inspection.objects.filter(point__unit=street).order_by("pk").first().point_id,
        visit=Inspection.objects.filter(point__unit=street).order_by("pk").first().pk,
        task=Task.objects.filter(parent=None, key="demo-xhl-lanes").get().pk,
        task_to_report=mine.first().pk,
        notice=Notice.objects.order_by("pk").first().pk,
        standard=Standard.objects.filter(campaign=campaign).order_by("pk").first().pk,
        report=report.pk,
        tracking_code=CitizenReport.objects.get(pk=report.pk).tracking_code,
        published_item=PublishedFix.objects.order_by("pk").first().item_id,
    )


Path = Callable[[Demo], str]

# (role, page name, path): the role is a demo account (None: a visitor who is not logged in).
PAGES: list[tuple[str | None, str, Path]] = [
    (None, "login", lambda d: "/accounts/login/"),
    (None, "citizen report form", lambda d: "/report/"),
    (None, "report tracking", lambda d: f"/report/track/?code={d.tracking_code}"),
    (None, "fixed reports", lambda d: "/report/fixed/"),
    ("coordinator", "home", lambda d: "/"),
    ("coordinator", "item list", lambda d: "/items/"),
    ("coordinator", "item page (step forms)", lambda d: f"/items/{d.item_to_verify}/"),
    ("coordinator", "new item", lambda d: "/items/new/"),
    ("coordinator", "ledger", lambda d: "/items/ledger/"),
    ("coordinator", "rounds list", lambda d: "/rounds/"),
    ("coordinator", "round detail", lambda d: f"/rounds/{d.round}/"),
    ("coordinator", "new round", lambda d: "/rounds/new/"),
    ("coordinator", "points list", lambda d: "/points/"),
    ("coordinator", "point detail", lambda d: f"/points/{d.point}/"),
    ("coordinator", "point edit", lambda d: f"/points/{d.point}/edit/"),
    ("coordinator", "points import", lambda d: "/points/import/"),
    ("coordinator", "visit detail", lambda d: f"/inspections/{d.visit}/"),
    ("coordinator", "rankings", lambda d: "/rankings/"),
    ("coordinator", "bulletin", lambda d: "/rankings/bulletin/"),
    ("coordinator", "score drill-down", lambda d: f"/rankings/units/{d.street}/"),
    ("coordinator", "score trend", lambda d: f"/rankings/units/{d.street}/trend/"),
    ("coordinator", "accountability", lambda d: "/rankings/accountability/"),
    ("coordinator", "scoring settings", lambda d: f"/rankings/settings/{d.campaign}/"),
    ("coordinator", "unit tree", lambda d: "/units/"),
    ("coordinator", "unit list", lambda d: "/units/list/"),
    ("coordinator", "unit page", lambda d: f"/units/{d.street}/"),
    ("coordinator", "unit figures", lambda d: f"/units/{d.street}/figures/"),
    ("coordinator", "tasks board", lambda d: "/tasks/"),
    ("coordinator", "task detail", lambda d: f"/tasks/{d.task}/"),
    ("coordinator", "new task", lambda d: "/tasks/new/"),
    ("coordinator", "tasks import", lambda d: "/tasks/import/"),
    ("coordinator", "calendar", lambda d: f"/calendar/{d.campaign}/"),
    ("coordinator", "map", lambda d: "/map/"),
    ("coordinator", "notices list", lambda d: "/notices/"),
    ("coordinator", "notice detail", lambda d: f"/notices/{d.notice}/"),
    ("coordinator", "new notice", lambda d: "/notices/new/"),
    ("coordinator", "supervision", lambda d: "/supervision/"),
    ("coordinator", "supervision rules", lambda d: f"/supervision/{d.campaign}/"),
    ("coordinator", "search results", lambda d: "/search/?q=%E6%B6%A7%E6%B2%B3"),
    ("coordinator", "notifications inbox", lambda d: "/notifications/"),
    ("coordinator", "notification settings", lambda d: "/notifications/settings/"),
    ("coordinator", "triage list", lambda d: "/reports/"),
    ("coordinator", "triage detail", lambda d: f"/reports/{d.report}/"),
    ("coordinator", "revisit list", lambda d: "/reports/revisits/"),
    ("coordinator", "item page (publish form)", lambda d: f"/items/{d.published_item}/"),
    ("coordinator", "standards", lambda d: "/standards/"),
    ("coordinator", "standard detail", lambda d: f"/standards/{d.standard}/"),
    ("coordinator", "standard units", lambda d: f"/standards/{d.standard}/units/"),
    ("coordinator", "account", lambda d: "/accounts/"),
    ("coordinator", "two-step status", lambda d: "/accounts/two-factor/"),
    ("coordinator", "two-step setup", lambda d: "/accounts/two-factor/setup/"),
    ("inspector", "home", lambda d: "/"),
    ("inspector", "visit form", lambda d: f"/points/{d.point}/visit/"),
    ("inspector", "my visits", lambda d: "/inspections/mine/"),
    ("street", "home", lambda d: "/"),
    ("street", "item list", lambda d: "/items/"),
    ("street", "item page (fix form)", lambda d: f"/items/{d.item_to_fix}/"),
    ("street", "my tasks", lambda d: "/tasks/mine/"),
    ("street", "task report", lambda d: f"/tasks/{d.task_to_report}/report/"),
    ("street", "notice detail", lambda d: f"/notices/{d.notice}/"),
    ("leader", "home", lambda d: "/"),
    ("leader", "rankings", lambda d: "/rankings/"),
    ("leader", "unit page", lambda d: f"/units/{d.district}/"),
    ("admin", "audit: changes", lambda d: "/audit/"),
    ("admin", "audit: security", lambda d: "/audit/security/"),
]
ROLES = list(dict.fromkeys(role for role, _name, _path in PAGES))

# On a phone nothing scrolls sideways but a table inside its own scrolling region.
SIDEWAYS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# On a phone a chart's labels are at least 12 px on screen: the font size in the SVG's units times
# the scale the SVG is drawn at. The smallest, over the charts shown (a hidden one has no width).
CHART_LABELS = """() => Math.min(Infinity, ...[...document.querySelectorAll("svg.chart-svg")]
  .filter((svg) => svg.getBoundingClientRect().width > 0)
  .flatMap((svg) => [...svg.querySelectorAll("text")].map((text) =>
    Number(text.getAttribute("font-size")) * svg.getBoundingClientRect().width
    / svg.viewBox.baseVal.width)))"""


def _log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{url}/")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_main_page_is_accessible(browser, live_server, settings, lang, width):
    settings.DEBUG = True     # static files straight from the finders, as in development
    demo = _demo()
    User.objects.filter(username="admin").update(last_login=timezone.now())
    failures: list[str] = []
    for role in ROLES:
        with new_context(browser, live_server, locale=lang, width=width) as page:
            if role is not None:
                _log_in(page, live_server.url, role)
            for _role, name, path in (page_ for page_ in PAGES if page_[0] == role):
                where = f"{name} [{role or 'public'}, {lang}, {width} px] {path(demo)}"
                response = page.goto(f"{live_server.url}{path(demo)}")
                if response is None or response.status != 200:
                    failures.append(f"{where}: HTTP {response.status if response else '—'}")
                    continue
                page.wait_for_load_state("load")
                failures.extend(f"{where}: {problem}" for problem in axe_problems(page))
                if width < 576:
                    scroll_width, inner = page.evaluate(SIDEWAYS)
                    if scroll_width > inner:
                        failures.append(f"{where}: scrolls sideways ({scroll_width} > {inner} px)")
                    smallest = page.evaluate(CHART_LABELS)
                    if smallest is not None and smallest < 12:
                        failures.append(f"{where}: chart labels of {smallest:.1f} px")
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)


def test_a_table_wider_than_a_phone_says_so_and_scrolls_from_the_keyboard(page, live_server, login):
    # A campaign's name with no place to break it: the unit list's last column is wider than a phone.
    campaign = factories.CampaignFactory(name="TaiyuanNationalCivilizedCityCampaign2026")
    city = factories.UnitFactory(parent=None, campaign=campaign, kind="headquarters", name="市指挥部")
    factories.MembershipFactory(user=factories.UserFactory(username="coord"), unit=city,
                                role=Role.COORDINATOR)
    login("coord")
    page.goto(f"{live_server.url}/units/list/")
    region = page.get_by_role("region", name="单位")
    hint = page.get_by_text("左右滑动可查看完整表格。")
    expect(region).to_be_visible()
    expect(hint).to_be_hidden()                      # the office screen holds the whole table
    page.set_viewport_size({"width": 375, "height": 800})
    expect(hint).to_be_visible()
    expect(region).to_have_class(re.compile(r"\bmore-right\b"))
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.table-responsive').scrollLeft > 0")
    expect(region).to_have_class(re.compile(r"\bmore-left\b"))
    assert_accessible(page)
