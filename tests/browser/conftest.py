"""Playwright on the system Chromium (Debian's package), against pytest-django's live server."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

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
# What fails a page: the violations a person is actually stopped or slowed by.
AXE_IMPACTS = {"serious", "critical"}


def assert_accessible(page) -> None:
    """Run axe-core (WCAG 2 A and AA rules) on the page as it is now; fail with each serious or
    critical violation and the elements it was found on."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci` (make test does)")
    page.add_script_tag(url=AXE_PATH)
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    problems = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in result["violations"] if violation["impact"] in AXE_IMPACTS
    ]
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
