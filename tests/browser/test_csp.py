"""The browser tests' check of the Content-Security-Policy (tests/browser/conftest.py) sees what
the policy blocks: every other browser test would fail on it."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_blocked_inline_style_and_script_are_reported(page, live_server, csp_violations):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("用户名")).to_be_visible()
    page.evaluate("""() => {
      document.head.insertAdjacentHTML("beforeend", "<style>body { color: red; }</style>");
      const script = document.createElement("script");
      script.textContent = "window.ran = true;";
      document.body.append(script);
    }""")
    assert page.evaluate("window.ran === undefined")
    page.wait_for_function("() => true")   # a round trip: the reports arrive
    reported = [line.split(" (")[0] for line in csp_violations if not line.startswith("console:")]
    assert reported == ["style-src-elem blocked inline", "script-src-elem blocked inline"]
    assert len(csp_violations) == 4    # and each said on the console
    csp_violations.clear()            # expected here: the fixture fails on any left
