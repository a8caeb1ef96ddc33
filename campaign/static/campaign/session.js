// The idle timeout seen from the page (campaign.accounts.timeouts): someone typing a long form
// sends no request, so activity (typing, clicks, touches) pings the server at most every
// data-session-ping-every seconds, and data-session-warn-before seconds before the idle end a
// notice (role=alert) offers to stay logged in. Tabs share the end (localStorage), so activity
// in one keeps the others from warning. Once the end has passed, the notice links to the log-in
// page in a new tab, so what is typed here stays; logging in there moves the shared end on, and
// this page takes the new session's CSRF token into its forms, so they can be sent.
// Offline (the browser says so, or the last ping could not reach the server) the page says
// nothing: the clock cannot know what the server decided, the person may be filling in a visit
// form kept for offline use, and what they type must stay. Back online, the next check tells.
(function () {
  "use strict";
  const body = document.body;
  const pingUrl = body.dataset.sessionPing;
  const notice = document.getElementById("session-notice");
  if (!pingUrl || !notice) return;
  const idle = Number(body.dataset.sessionIdle) * 1000;
  const pingEvery = Number(body.dataset.sessionPingEvery) * 1000;
  const warnBefore = Number(body.dataset.sessionWarnBefore) * 1000;
  const text = document.getElementById("session-notice-text");
  const stay = document.getElementById("session-stay");
  const login = document.getElementById("session-login");
  const KEY = "campaign.session.ends";
  let ends = Date.now() + Number(body.dataset.sessionLeft) * 1000;
  let lastPing = Date.now();
  let ended = false;
  let unreachable = false;                      // the last ping failed for network reasons

  function shared() {
    try { return Number(window.localStorage.getItem(KEY)) || 0; } catch (e) { return 0; }
  }
  function share(value) {
    try { window.localStorage.setItem(KEY, String(value)); } catch (e) { /* private mode */ }
  }
  // The cookie first: logging in (in another tab) gives a new token, and the forms' copy is old.
  function csrfToken() {
    const cookie = document.cookie.split("; ").find(function (c) { return c.startsWith("csrftoken="); });
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function renewForms() {
    const token = csrfToken();
    if (!token) return;
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
      input.value = token;
    });
  }

  function ping() {
    if (ended) return;
    lastPing = Date.now();
    const sent = Date.now();
    fetch(pingUrl, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: {"X-CSRFToken": csrfToken(), "X-Requested-With": "fetch"},
    }).then(function (response) {
      unreachable = false;
      if (response.status !== 204) return;      // logged out already: the check below tells
      ends = Math.max(ends, sent + idle);
      share(ends);
      check();
    }).catch(function () {
      unreachable = true;                       // offline: the next activity tries again
      check();
    });
  }

  function show(message) {
    if (text.textContent !== message) text.textContent = message;
    notice.hidden = false;
  }

  function offline() {
    return navigator.onLine === false || unreachable;
  }

  function check() {
    ends = Math.max(ends, shared());
    if (offline()) {
      notice.hidden = true;
      text.textContent = "";
      return;
    }
    const left = ends - Date.now();
    if (left <= 0) {
      ended = true;
      stay.hidden = true;
      login.hidden = false;
      show(notice.dataset.ended);
      return;
    }
    if (ended) {                                // logged in again in another tab
      ended = false;
      stay.hidden = false;
      login.hidden = true;
      renewForms();
    }
    if (left <= warnBefore) {
      show(notice.dataset.warning);
    } else {
      notice.hidden = true;
      text.textContent = "";
    }
  }

  function active(event) {
    if (event.target === stay) return;         // its own click pings
    if (!ended && Date.now() - lastPing >= pingEvery) ping();
  }

  share(Math.max(ends, shared()));
  ["input", "keydown", "click", "touchstart"].forEach(function (kind) {
    document.addEventListener(kind, active, {passive: true, capture: true});
  });
  stay.addEventListener("click", ping);
  window.addEventListener("online", function () { unreachable = false; check(); });
  window.addEventListener("offline", check);
  window.setInterval(check, 1000);
  check();
})();
