"""Playwright on the system Chromium (Debian's package), against pytest-django's live server."""

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from campaign.enums import Role
from inspections import workflow
from tests import factories
from tests.conftest import LIVE_SERVER_LOCK

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# page actions are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# axe-core from npm (a dev dependency in package.json), injected from disk: no network. It is
# loaded from a path on the live server's origin that the page fixture answers with the file (an
# inline script would break the Content-Security-Policy, script-src 'self').
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__test__/axe.min.js"
# No CSS transition running (an endless animation, such as a spinner, does not hold the check up).
# Styles are brought up to date first (a layout read), so a transition due to start (a button just
# enabled under the pointer) is already running when the check looks.
TRANSITIONS_DONE = """() => document.documentElement.getBoundingClientRect()
  && document.getAnimations().every((animation) =>
    !(animation instanceof CSSTransition) || animation.playState !== "running")"""
# What fails a page: the violations a person is actually stopped or slowed by.
AXE_IMPACTS = {"serious", "critical"}


def axe_problems(page) -> list[str]:
    """Run axe-core (WCAG 2 A and AA rules) on the page as it is now: each serious or critical
    violation, with the elements it was found on."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci` (make test does)")
    # Colours settle first: a button that has just been pressed is still fading into its hover
    # colours for 0.15 s, and a contrast measured half-way is a failure of the moment.
    page.wait_for_function(TRANSITIONS_DONE)
    page.add_script_tag(url=AXE_PATH)
    # A page's evaluate has no time limit of its own: a run that never ends fails after a minute.
    result = page.evaluate(
        "async () => await Promise.race([axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}), new Promise((_, reject) => "
        "setTimeout(() => reject(new Error('axe-core did not finish within 60 s')), 60000))])")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) + _measured(node) for node in violation["nodes"][:5])
        for violation in result["violations"] if violation["impact"] in AXE_IMPACTS
    ]


def _measured(node: dict) -> str:
    """What axe measured on an element, where it says (a contrast: the two colours and ratio)."""
    data = next((check.get("data") for check in node.get("any", []) if check.get("data")), None)
    if isinstance(data, dict) and "contrastRatio" in data:
        return f" ({data.get('fgColor')} on {data.get('bgColor')}: {data.get('contrastRatio')}:1)"
    return ""


def assert_accessible(page) -> None:
    """Fail with each serious or critical axe-core violation on the page as it is now."""
    problems = axe_problems(page)
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium package is needed for the browser tests (.ci/run installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


DESKTOP = 1440

# Every page a test opens reports what its Content-Security-Policy blocked (an inline script or
# style, an image or a script from elsewhere) to the test, across navigations; the test then fails.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || document.location.href}:${event.lineNumber}) on ${document.location.href}`);
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    """What the page's Content-Security-Policy blocked so far (the page fixture fails on any)."""
    return []


@pytest.fixture
def page(browser, live_server, settings, csp_violations):
    settings.DEBUG = True  # static files straight from the finders, as in development
    # An office screen wide enough for the whole nav (it folds into the menu below 1400 px).
    context = browser.new_context(locale="zh-CN", viewport={"width": DESKTOP, "height": 900})
    violations = csp_violations
    context.expose_function("reportCspViolation", lambda text: violations.append(text))
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.on("console", lambda message: violations.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.route(f"{live_server.url}{AXE_PATH}", lambda route: route.fulfill(
        path=str(AXE_SCRIPT), content_type="text/javascript"))
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)   # assertions wait as long as actions do
    yield page
    if not page.is_closed():
        page.evaluate("1")   # a round trip: the reports still on their way arrive
    artifacts = os.environ.get("BROWSER_ARTIFACTS")
    if artifacts:
        os.makedirs(artifacts, exist_ok=True)
        page.screenshot(path=os.path.join(artifacts, f"{os.getpid()}-{id(page)}.png"), full_page=True)
    context.close()
    with LIVE_SERVER_LOCK:   # a request still being answered finishes before the database flush
        pass
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def login(page, live_server):
    def do(username, password="pass-word-123"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")

    return do


@contextlib.contextmanager
def new_context(browser, live_server, *, locale: str, width: int, height: int = 900, **options):
    """A page in a browser context of its own (its own cookies, language and viewport), set up
    as the page fixture's: axe-core served, Content-Security-Policy violations fail the test.
    For a test that opens many pages as several people, one context each. `options` go to
    Playwright's new_context (e.g. geolocation=, permissions=)."""
    violations: list[str] = []
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height},
                                  **options)
    context.expose_function("reportCspViolation", lambda text: violations.append(text))
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.route(f"{live_server.url}{AXE_PATH}", lambda route: route.fulfill(
        path=str(AXE_SCRIPT), content_type="text/javascript"))
    page.set_default_timeout(10_000)
    try:
        yield page
        page.evaluate("1")   # a round trip: the reports still on their way arrive
    finally:
        context.close()
        with LIVE_SERVER_LOCK:
            pass
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


# The item the accessibility tests open: a step page with several forms (close, return, void).
@pytest.fixture
def submitted(tree, member):
    """An item its unit submitted; the coordinator of the city may close, return or void it."""
    inspector = member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    staff = member(tree["street_a"], Role.UNIT_STAFF, username="street", name="张街道")
    item = factories.file_item(tree["street_a"], by=inspector)
    photo = factories.store_photo_for(tree["street_a"], by=staff)
    return workflow.submit(item, by=staff, version=None, photos=[photo])
