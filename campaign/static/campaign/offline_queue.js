// Forms that survive a dropped signal. A form marked data-offline-queue is not posted by the
// browser: its fields (photos made smaller first, photo_reduce.js) are stored in IndexedDB, then
// sent with fetch, in the order they were saved, one at a time. What cannot be sent now waits and
// is tried again (on the `online` event, on every page load, every 30 s); what the server refuses
// waits for the person to fix it. Nothing typed is lost: an entry goes only when the person
// deletes it, or 7 days after it was sent.
// Every send carries the form's submission_key (made here at page load): the server files a key
// once (campaign/offline/idempotency.py), so sending again after a lost answer is harmless.
// The texts are the templates' (offline/_texts.html, the badge's data-label): no JS catalogue.
(function () {
  "use strict";

  var DB_NAME = "campaign-offline";
  var STORE = "entries";
  var MAX_WAITING = 50;
  var MAX_BYTES = 200 * 1024 * 1024;
  var KEEP_SENT_MS = 7 * 24 * 3600 * 1000;
  var RETRY_MS = 30 * 1000;
  var MAX_REASONS = 10;
  var MAX_REASON_CHARS = 500;
  var FLASH_KEY = "offline-flash";

  var ownScript = document.currentScript ? document.currentScript.getAttribute("src") : "";
  var badge = document.getElementById("offline-queue-badge");
  var user = badge ? badge.dataset.user : "";
  var loginPath = badge ? new URL(badge.dataset.loginUrl, location.href).pathname : "";

  // ---- keys -------------------------------------------------------------------------------

  // A UUID v4 from crypto.getRandomValues: crypto.randomUUID exists only on https and localhost,
  // and the offices' intranets are often plain http.
  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // At page load, never in the template: a page the service worker serves from its cache must
  // not carry the key of an earlier sending.
  function fillKeys(root) {
    (root || document).querySelectorAll("input[data-submission-key]").forEach(function (input) {
      if (!input.value) input.value = newKey();
    });
  }
  fillKeys();

  // ---- texts ------------------------------------------------------------------------------

  function text(name, value) {
    var holder = document.querySelector("template[data-offline-texts]");
    var found = holder && holder.content.querySelector('[data-text="' + name + '"]');
    var result = found ? found.textContent.trim() : name;
    if (value !== undefined) result = result.replace("__N__", value).replace("__STATUS__", value);
    return result;
  }

  // ---- storage ----------------------------------------------------------------------------

  var dbPromise = null;
  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, {keyPath: "id", autoIncrement: true});
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var store = transaction.objectStore(STORE);
        var result;
        Promise.resolve(work(store, function (value) { result = value; })).catch(reject);
        transaction.oncomplete = function () { resolve(result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error || new Error("aborted")); };
      });
    });
  }

  // Every entry on the phone, whoever saved it: only for the 7-day cleanup.
  function everyEntry() {
    return tx("readonly", function (store, done) {
      var request = store.getAll();
      request.onsuccess = function () { done(request.result); };
    });
  }

  function allEntries() {
    return everyEntry().then(function (entries) {
      // Only this person's: a shared phone must not show (or send) someone else's forms.
      return entries.filter(function (entry) { return entry.user === user; })
        .sort(function (a, b) { return a.id - b.id; });
    });
  }

  function getEntry(id) {
    return tx("readonly", function (store, done) {
      var request = store.get(id);
      request.onsuccess = function () {
        done(request.result && request.result.user === user ? request.result : null);
      };
    });
  }

  function putEntry(entry) {
    return tx("readwrite", function (store, done) {
      var request = store.put(entry);
      request.onsuccess = function () { entry.id = request.result; done(request.result); };
    }).then(function (id) { changed(); return id; });
  }

  function deleteEntry(id) {
    return tx("readwrite", function (store) { store.delete(id); }).then(changed);
  }

  function entryBytes(entry) {
    return entry.fields.reduce(function (sum, field) {
      return sum + (field[1] && field[1].blob ? field[1].blob.size : 0);
    }, 0);
  }

  function isPending(entry) {
    return entry.status !== "sent";
  }

  // Sent entries older than 7 days go, whoever sent them (on a shared phone the person who
  // sent them may never log in here again); a sent entry kept its title and result only.
  // Waiting and refused ones stay: nothing typed is lost until its owner decides.
  function dropOld() {
    var now = Date.now();
    return everyEntry().then(function (entries) {
      var old = entries.filter(function (entry) {
        return entry.status === "sent" && now - (entry.sent || entry.created) > KEEP_SENT_MS;
      });
      if (!old.length) return undefined;
      return tx("readwrite", function (store) {
        old.forEach(function (entry) { store.delete(entry.id); });
      }).then(changed);
    });
  }

  // ---- change notices: the badge, the queue page, other tabs -------------------------------

  var channel = window.BroadcastChannel ? new BroadcastChannel("campaign-offline") : null;
  var listeners = [];
  function changed(fromElsewhere) {
    if (channel && fromElsewhere !== true) channel.postMessage("changed");
    listeners.forEach(function (listener) { listener(); });
  }
  if (channel) channel.onmessage = function () { changed(true); };

  function refreshBadge() {
    if (!badge) return Promise.resolve();
    return allEntries().then(function (entries) {
      var waiting = entries.filter(isPending).length;
      badge.textContent = badge.dataset.label.replace("__N__", waiting);
      badge.hidden = waiting === 0;
    }).catch(function () { badge.hidden = true; });
  }
  listeners.push(refreshBadge);

  // ---- sending ----------------------------------------------------------------------------

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function cleanText(value) {
    return value.replace(/\s+/g, " ").trim().slice(0, MAX_REASON_CHARS);
  }

  // The server's own words for a refusal, from the page it answered with.
  function reasonsFrom(html, action) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var scope = page;
    if (action) {
      // An item page holds several step forms: the reasons are on the one that was sent.
      var path = new URL(action, location.href).pathname;
      page.querySelectorAll("form[data-offline-queue]").forEach(function (form) {
        if (new URL(form.getAttribute("action") || "", location.href).pathname === path) scope = form;
      });
    }
    var found = [];
    // A refused form's error summary (templates/includes/_error_summary.html) repeats each field's
    // error, which .field-error gives with its label: only its lines that name no field (errors
    // of the whole form) are taken from it, and never its heading.
    var pageWide = "main .alert-danger:not(.step-refusal):not(.error-summary)";
    var selectors = [".step-refusal p:first-child", pageWide, ".error-summary:not(.step-refusal) li",
      ".field-error", ".text-danger.small", ".errorlist li", "#error-page h1", "#error-page h1 + p"];
    selectors.forEach(function (selector) {
      var where = selector.indexOf("main ") === 0 || selector.indexOf("#error-page") === 0 ? page : scope;
      where.querySelectorAll(selector).forEach(function (element) {
        if (element.closest("template")) return;
        var whole = selector === pageWide || element.closest(".error-summary");
        if (whole && element.tagName === "LI" && element.querySelector("a")) return;
        var label = element.closest(".mb-2, .mb-3");
        var labelElement = label && label.querySelector("label, legend");
        var line = cleanText(element.textContent);
        if (labelElement && !whole) {
          // A label that ends in its own "?" or ":" does not take a second mark.
          line = cleanText(labelElement.textContent).replace(/[\s:?\uff1a\uff1f]+$/, "") + ": " + line;
        }
        if (line && found.indexOf(line) === -1) found.push(line);
      });
    });
    return found.slice(0, MAX_REASONS);
  }

  // The messages the result page showed (consumed by fetch following the redirect), carried to
  // the page the person is taken to.
  function flashFrom(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var found = [];
    page.querySelectorAll("main > .alert").forEach(function (element) {
      var kind = ["success", "info", "warning", "danger"].find(function (name) {
        return element.classList.contains("alert-" + name);
      }) || "info";
      found.push({kind: kind, text: cleanText(element.textContent)});
    });
    return found.slice(0, MAX_REASONS);
  }

  function showFlash() {
    var raw = sessionStorage.getItem(FLASH_KEY);
    if (!raw) return;
    sessionStorage.removeItem(FLASH_KEY);
    var flash;
    try { flash = JSON.parse(raw); } catch (error) { return; }
    if (!flash || flash.url !== location.pathname + location.search) return;
    var main = document.querySelector("main");
    if (!main || main.querySelector(":scope > .alert")) return;
    flash.messages.slice().reverse().forEach(function (message) {
      var alert = document.createElement("div");
      alert.className = "alert alert-" + message.kind;
      alert.setAttribute("role", "status");
      alert.textContent = message.text;
      main.prepend(alert);
    });
  }

  // A path of this site from a URL the fetch ended on: "//host/…" (a path that begins with two
  // slashes) would leave the site when given to location.assign, so it is made "/host/…".
  function sitePath(url) {
    return (url.pathname + url.search + url.hash).replace(/^\/+/, "/");
  }

  // A page of this site answered (the badge is in every signed-in page, error pages included);
  // not a Wi-Fi login page or a proxy's error put in its place, whose words must not be taken
  // for the server's refusal nor put into this page.
  function isOwnPage(html) {
    return Boolean(html) && new DOMParser().parseFromString(html, "text/html")
      .getElementById("offline-queue-badge") !== null;
  }

  // One POST of a stored entry. Resolves to what happened; never rejects.
  async function send(entry) {
    var body = new FormData();
    entry.fields.forEach(function (field) {
      if (field[0] === "csrfmiddlewaretoken") return;
      var value = field[1];
      if (value && typeof value === "object") {
        if (value.blob) body.append(field[0], value.blob, value.filename);
      } else {
        body.append(field[0], value);
      }
    });
    // The token of now: it changes at each log-in, and a queue may wait across one.
    var stored = entry.fields.find(function (field) { return field[0] === "csrfmiddlewaretoken"; });
    body.append("csrfmiddlewaretoken", cookie("csrftoken") || (stored ? stored[1] : ""));
    // The server refuses it under any other account (idempotency.py USER_FIELD): this page may
    // have been opened before someone else logged in on this phone in another tab.
    body.append("submission_user", entry.user);
    var response;
    try {
      response = await fetch(entry.url, {method: "POST", body: body, credentials: "same-origin", redirect: "follow"});
    } catch (error) {
      return {status: "waiting", reason: {code: "network"}};
    }
    var final = new URL(response.url, location.href);
    if (response.redirected && final.pathname === loginPath) {
      return {status: "waiting", reason: {code: "login"}, stop: true};
    }
    if (response.redirected) {
      var html = "";
      try { html = await response.text(); } catch (error) { html = ""; }
      return {status: "sent", result_url: sitePath(final), flash: flashFrom(html)};
    }
    if (response.headers.get("X-Submission-Wrong-User")) {
      return {status: "waiting", reason: {code: "other-user"}, stop: true};
    }
    if (response.status === 429 || response.status >= 500) {
      return {status: "waiting", reason: {code: "busy", status: response.status}, stop: true};
    }
    var page = "";
    try { page = await response.text(); } catch (error) { page = ""; }
    if (!isOwnPage(page)) return {status: "waiting", reason: {code: "network"}, stop: true};
    return {
      status: "refused",
      page: page,
      // 409 from an item's step: the item changed meanwhile (its current state is linked).
      // A 409 of another form (a report corrected already) is a plain refusal with its reason.
      reason: {code: response.status === 409 && entry.item ? "conflict" : "refused", status: response.status,
               lines: reasonsFrom(page, entry.url), item: entry.item || ""},
    };
  }

  // This tab's name in a claim: a claim is the tab's own until it finishes or goes stale.
  var tabId = newKey();
  var haveLocks = Boolean(navigator.locks && navigator.locks.request);
  // A send can take minutes (photos on a weak signal); a claim older than this is one whose tab
  // was closed mid-send, and the entry is sent again (the key makes that safe).
  var CLAIM_MS = 10 * 60 * 1000;

  // Take an entry for sending, in one storage transaction (transactions on a store run one
  // after another, so two tabs cannot both take it): the entry, or null when it is gone, not
  // this person's, not waiting, or being sent by another tab right now. Needed where the Web
  // Locks of oneTabAtATime are missing (plain http intranets: they exist only on https).
  function claimEntry(id) {
    return tx("readwrite", function (store, done) {
      var request = store.get(id);
      request.onsuccess = function () {
        var entry = request.result;
        if (!entry || entry.user !== user) { done({entry: null}); return; }
        // Holding the Web Lock, no other tab is sending: a "sending" left is a closed tab's.
        var busyElsewhere = !haveLocks && entry.status === "sending" && entry.claimedBy !== tabId &&
          Date.now() - (entry.claimed || 0) < CLAIM_MS;
        if (busyElsewhere) { done({entry: null, elsewhere: true}); return; }
        if (entry.status !== "waiting" && entry.status !== "sending") { done({entry: null}); return; }
        entry.status = "sending";
        entry.claimed = Date.now();
        entry.claimedBy = tabId;
        store.put(entry);
        done({entry: entry});
      };
    }).then(function (claim) { if (claim.entry) changed(); return claim; });
  }

  // A page left mid-send gives its entry back, so that the next page need not wait for the claim
  // to go stale (the write is started at pagehide; the browser usually lets it finish).
  function releaseClaims() {
    if (haveLocks || !user) return;
    tx("readwrite", function (store) {
      var request = store.getAll();
      request.onsuccess = function () {
        request.result.forEach(function (entry) {
          if (entry.claimedBy === tabId && entry.status === "sending") {
            entry.status = "waiting";
            store.put(entry);
          }
        });
      };
    }).catch(function () {});
  }

  // Store the outcome, unless the entry was deleted (or taken over) while it was being sent: a
  // deleted entry must not come back.
  function finishEntry(entry) {
    return tx("readwrite", function (store) {
      var request = store.get(entry.id);
      request.onsuccess = function () {
        var now = request.result;
        if (now && now.claimedBy === tabId && now.status === "sending") store.put(entry);
      };
    }).then(changed);
  }

  // Send one claimed entry and store the outcome.
  async function sendEntry(entry) {
    var outcome = await send(entry);
    entry.status = outcome.status;
    entry.reason = outcome.reason || null;
    if (outcome.status === "sent") {
      entry.result_url = outcome.result_url;
      entry.sent = Date.now();
      // Kept 7 days to show it went through (title, times, where it led, its key); what was
      // typed and the photos are on the server now and are not kept on a phone others may use.
      entry.fields = entry.fields.filter(function (field) { return field[0] === "submission_key"; });
      if (waitingFor === entry.id && outcome.flash.length) {
        sessionStorage.setItem(FLASH_KEY, JSON.stringify({url: outcome.result_url, messages: outcome.flash}));
      }
    }
    if (outcome.status === "refused" && waitingFor === entry.id) answerForWaiting = outcome.page;
    await finishEntry(entry);
    return outcome;
  }

  var running = null;
  var again = false;

  // Send every waiting entry of this person, oldest first, one at a time. A lost connection,
  // a busy server or an ended session stops the run (the order is kept for the next one).
  function runQueue() {
    if (!user) return Promise.resolve();
    if (running) { again = true; return running; }
    running = oneTabAtATime(async function () {
      do {
        again = false;
        await dropOld();
        var entries = await allEntries();
        for (var i = 0; i < entries.length; i++) {
          // Taken afresh: it may have been deleted, fixed or sent from another tab meanwhile.
          var claim = await claimEntry(entries[i].id);
          // Another tab is sending it: that tab goes on in order; this one stops.
          if (claim.elsewhere) break;
          if (!claim.entry) continue;
          var outcome = await sendEntry(claim.entry);
          if (outcome.status === "waiting") break;
        }
      } while (again);
    }).catch(function () { /* storage unavailable: nothing to send from */ }).finally(function () {
      running = null;
    });
    return running;
  }

  // Two tabs open each run their own queue (on load, `online`, every 30 s): a lock shared by
  // the tabs of this site makes one wait for the other, so an entry is not posted twice at once
  // (the key would make the second harmless, but it would cost a photo upload on a weak signal).
  // Without Web Locks (plain http), claimEntry still keeps an entry to one tab at a time.
  function oneTabAtATime(work) {
    if (haveLocks) {
      return navigator.locks.request("campaign-offline-send", work);
    }
    return work();
  }

  // ---- the form page ----------------------------------------------------------------------

  var waitingFor = null;
  var answerForWaiting = "";

  function pageNotice(kind, parts, focus) {
    var main = document.querySelector("main");
    var notice = document.getElementById("offline-notice");
    if (!notice) {
      notice = document.createElement("div");
      notice.id = "offline-notice";
      notice.tabIndex = -1;
      main.prepend(notice);
    }
    notice.className = "alert alert-" + kind + " offline-notice";
    notice.setAttribute("role", kind === "danger" ? "alert" : "status");
    notice.replaceChildren();
    parts.forEach(function (part) {
      if (typeof part === "string") {
        var line = document.createElement("p");
        line.className = "mb-1";
        line.textContent = part;
        notice.append(line);
      } else {
        notice.append(part);
      }
    });
    if (focus) notice.focus();
    else notice.scrollIntoView({block: "nearest"});
    return notice;
  }

  function link(href, label) {
    var anchor = document.createElement("a");
    anchor.href = href;
    anchor.className = "alert-link";
    anchor.textContent = label;
    var line = document.createElement("p");
    line.className = "mb-0";
    line.append(anchor);
    return line;
  }

  function reasonList(lines) {
    var list = document.createElement("ul");
    list.className = "mb-1";
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.append(item);
    });
    return list;
  }

  // The parts that say why an entry waits or was refused (the queue page shows the same).
  function reasonParts(reason) {
    if (!reason) return [];
    if (reason.code === "network") return [text("reason-network")];
    if (reason.code === "login") return [text("reason-login"), link(badge ? badge.dataset.loginUrl : "/", text("login-link"))];
    if (reason.code === "busy") return [text("reason-busy", reason.status)];
    if (reason.code === "other-user") return [text("reason-other-user")];
    var parts = [text(reason.code === "conflict" ? "reason-conflict" : "reason-refused")];
    if (reason.lines && reason.lines.length) parts.push(reasonList(reason.lines));
    if (reason.code === "conflict" && reason.item) parts.push(link(reason.item, text("item-link")));
    return parts;
  }

  function queueUrl() {
    return badge ? badge.getAttribute("href") : "/offline/queue/";
  }

  function photoReducer() {
    if (window.photoReduce || !badge || !badge.dataset.photoReduce) return Promise.resolve();
    return new Promise(function (resolve) {
      var script = document.createElement("script");
      script.src = badge.dataset.photoReduce;
      script.onload = script.onerror = function () { resolve(); };
      document.head.append(script);
    });
  }

  async function fieldsOf(form) {
    var fields = [];
    var data = new FormData(form);
    for (var pair of data.entries()) {
      var value = pair[1];
      if (value instanceof File) {
        if (!value.name && !value.size) continue;  // a file input left empty
        var file = value;
        if (window.photoReduce && file.type.indexOf("image/") === 0) file = await window.photoReduce.reduce(file);
        fields.push([pair[0], {blob: file, filename: file.name}]);
      } else {
        fields.push([pair[0], value]);
      }
    }
    return fields;
  }

  // The bound on what a phone holds: refused with the reason, the form stays as typed.
  async function roomFor(entry, replacing) {
    var entries = (await allEntries()).filter(function (other) { return other.id !== replacing; });
    var pending = entries.filter(isPending);
    if (pending.length >= MAX_WAITING) return text("full-count", MAX_WAITING);
    var bytes = pending.reduce(function (sum, other) { return sum + entryBytes(other); }, 0) + entryBytes(entry);
    if (bytes > MAX_BYTES) return text("full-bytes", MAX_BYTES / 1024 / 1024);
    if (navigator.storage && navigator.storage.estimate) {
      try {
        var estimate = await navigator.storage.estimate();
        if (estimate.quota && estimate.quota - estimate.usage < entryBytes(entry)) return text("no-space");
      } catch (error) { /* no estimate: the bound above holds */ }
    }
    return "";
  }

  function pathOnly(url) {
    var parsed = new URL(url, location.href);
    return parsed.pathname + parsed.search;
  }

  function setBusy(form, busy) {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      button.disabled = busy;
    });
  }

  async function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-offline-queue") || !user) return;
    if (!window.indexedDB) return;  // no store: the browser posts it as it always did
    event.preventDefault();
    if (!form.reportValidity()) return;
    setBusy(form, true);
    try {
      await queueForm(form);
    } finally {
      setBusy(form, false);
    }
  }

  async function queueForm(form) {
    pageNotice("info", [text("saving")]);
    await photoReducer();
    var resumeId = form.dataset.offlineResume ? parseInt(form.dataset.offlineResume, 10) : null;
    var keyInput = form.querySelector("input[data-submission-key]");
    var entry = {
      user: user,
      url: pathOnly(form.getAttribute("action") || location.href),
      page: location.pathname + location.search,
      item: form.dataset.offlineItem || "",
      created: Date.now(),
      title: form.dataset.offlineTitle || document.title,
      key: keyInput ? keyInput.value : "",
      status: "waiting",
      reason: null,
      result_url: "",
    };
    try {
      entry.fields = await fieldsOf(form);
      var refusal = await roomFor(entry, resumeId);
      if (refusal) { pageNotice("danger", [refusal, link(queueUrl(), text("queue-link"))], true); return; }
      if (resumeId) entry.id = resumeId;  // fixing a refused entry replaces it, in its place
      await putEntry(entry);
    } catch (error) {
      // No store on this browser (a private window, storage switched off): post the form as
      // a browser always did, rather than not at all. Offline, that shows the browser's error.
      if (navigator.onLine) {
        HTMLFormElement.prototype.submit.call(form);
        return;
      }
      pageNotice("danger", [text("store-failed")], true);
      return;
    }
    delete form.dataset.offlineResume;
    waitingFor = entry.id;
    if (navigator.onLine) pageNotice("info", [text("sending")]);
    await runQueue();
    waitingFor = null;
    var now = await getEntry(entry.id);
    if (!now) return;
    if (now.status === "sent") {
      // The person waited on this page for it: take them where the server sent them.
      location.assign(now.result_url);
      return;
    }
    if (now.status === "refused") {
      var answer = answerForWaiting;
      answerForWaiting = "";
      // The person is here, waiting: show the server's own answer (errors under the fields, a
      // stale step's reason and read-only form, the item's current state), as a browser post
      // would have. The entry stays on the list as refused until it is sent again from here.
      if (!showServerAnswer(answer, now)) showRefusal(form, now);
      return;
    }
    // Waiting: saved on the phone. The form is cleared with a new key for the next visit: a
    // form left filled invites a second tap that would queue the same visit twice, and what was
    // saved is on the waiting list (the notice links to it).
    var message = now.reason && (now.reason.code === "login" || now.reason.code === "other-user") ? "queued-login"
      : now.reason && now.reason.code === "busy" ? "queued-busy" : "queued";
    var parts = [text(message)];
    if (message === "queued-login") parts.push(link(badge.dataset.loginUrl, text("login-link")));
    parts.push(link(queueUrl(), text("queue-link")));
    var notice = pageNotice("warning", parts, true);
    notice.dataset.entry = String(now.id);
    form.reset();
    if (keyInput) keyInput.value = newKey();
  }

  function formFor(url) {
    var found = null;
    document.querySelectorAll("form[data-offline-queue]").forEach(function (candidate) {
      if (pathOnly(candidate.getAttribute("action") || location.href) === url) found = candidate;
    });
    return found;
  }

  // Put the server's answer page in place of this one's main part; false if it has none.
  function showServerAnswer(html, entry) {
    if (!html) return false;
    var answer = new DOMParser().parseFromString(html, "text/html");
    var main = answer.querySelector("main");
    var here = document.querySelector("main");
    if (!main || !here) return false;
    here.replaceWith(document.adoptNode(main));
    if (answer.title) document.title = answer.title;
    fillKeys();
    var again = formFor(entry.url);
    if (again) again.dataset.offlineResume = String(entry.id);
    // Scripts bound to the old main's elements run again for the new ones: those in main
    // itself and the page's own (after this one); a parsed page's scripts never run by themselves.
    var scripts = Array.prototype.slice.call(answer.querySelectorAll("body > script[src]"));
    var own = scripts.findIndex(function (script) { return script.getAttribute("src") === ownScript; });
    var rerun = Array.prototype.slice.call(document.querySelectorAll("main script[src]"))
      .concat(own === -1 ? [] : scripts.slice(own + 1));
    rerun.forEach(function (old) {
      var script = document.createElement("script");
      script.src = old.getAttribute("src");
      document.body.append(script);
      if (old.parentNode && old.closest("main")) old.remove();
    });
    var problem = (again && again.querySelector(".step-refusal, .alert-danger, .text-danger")) ||
      document.querySelector("main .alert-danger, main .text-danger, #error-page");
    if (problem) problem.scrollIntoView({block: "center"});
    return true;
  }

  function showRefusal(form, entry) {
    form.dataset.offlineResume = String(entry.id);
    pageNotice("danger", [text("resume-heading")].concat(reasonParts(entry.reason)), true);
  }

  // When the notice's entry is sent later (the connection came back), say so on the page.
  function followNotice() {
    var notice = document.getElementById("offline-notice");
    if (!notice || !notice.dataset.entry) return;
    getEntry(parseInt(notice.dataset.entry, 10)).then(function (entry) {
      if (!entry || notice.dataset.shown === entry.status) return;
      if (entry.status === "sent") {
        notice.className = "alert alert-success offline-notice";
        notice.replaceChildren();
        var line = document.createElement("p");
        line.className = "mb-1";
        line.textContent = entry.title + ": " + text("sent");
        notice.append(line, link(entry.result_url, text("open-result")));
      } else if (entry.status === "refused") {
        pageNotice("danger", [entry.title].concat(reasonParts(entry.reason),
          [link(entry.page + "#resume=" + entry.id, text("fix-link"))]));
      } else {
        return;
      }
      notice.dataset.shown = entry.status;
    }).catch(function () {});
  }
  listeners.push(followNotice);

  // ---- fix and resend: #resume=<id> fills the form from the stored entry -------------------

  function setField(form, name, value, used) {
    var controls = Array.prototype.filter.call(form.elements, function (element) { return element.name === name; });
    if (!controls.length) return;
    var first = controls[0];
    if (first.type === "radio") {
      controls.forEach(function (control) { if (control.value === value) control.checked = true; });
    } else if (first.type === "checkbox") {
      controls.forEach(function (control) { if (control.value === value) control.checked = true; });
    } else if (first.type === "file") {
      if (!value || !value.blob || typeof DataTransfer === "undefined") return;
      var transfer = used[name] || (used[name] = new DataTransfer());
      transfer.items.add(new File([value.blob], value.filename, {type: value.blob.type}));
      first.files = transfer.files;
    } else if (first.tagName === "SELECT" && first.multiple) {
      Array.prototype.forEach.call(first.options, function (option) { if (option.value === value) option.selected = true; });
    } else {
      // A repeated name (a second value): the next control of that name.
      var index = used[name + "#n"] || 0;
      used[name + "#n"] = index + 1;
      (controls[index] || first).value = value;
    }
  }

  // These keep the page's values: its token, its fresh key, and the item's version the person
  // now sees (sending the old one would be refused again as out of date).
  var KEEP = ["csrfmiddlewaretoken", "submission_key", "version"];

  function fillForm(form, entry) {
    var total = form.querySelector('input[name="finding-TOTAL_FORMS"]');
    var wanted = entry.fields.find(function (field) { return field[0] === "finding-TOTAL_FORMS"; });
    var add = document.getElementById("add-finding");
    if (total && wanted) {
      var guard = 0;
      while (add && document.body.contains(add) && parseInt(total.value, 10) < parseInt(wanted[1], 10) && guard++ < 50) add.click();
    }
    form.querySelectorAll("input[type=checkbox], input[type=radio]").forEach(function (control) {
      if (KEEP.indexOf(control.name) === -1) control.checked = false;
    });
    var used = {};
    entry.fields.forEach(function (field) {
      if (KEEP.indexOf(field[0]) !== -1 || field[0].slice(-12) === "-TOTAL_FORMS") return;
      setField(form, field[0], field[1], used);
    });
  }

  async function resumeFromHash() {
    var match = location.hash.match(/^#resume=(\d+)$/);
    if (!match || !user) return;
    var id = parseInt(match[1], 10);
    history.replaceState(null, "", location.pathname + location.search);
    var entry = null;
    try { entry = await getEntry(id); } catch (error) { entry = null; }
    if (!entry || entry.status === "sent") { pageNotice("warning", [text("resume-missing")], true); return; }
    var form = formFor(entry.url);
    var parts = [text("resume-heading")].concat(reasonParts(entry.reason));
    if (!form) { pageNotice("danger", parts, true); return; }
    fillForm(form, entry);
    form.dataset.offlineResume = String(entry.id);
    if (entry.fields.some(function (field) { return field[1] && field[1].blob; })) parts.push(text("resume-photos"));
    pageNotice("danger", parts, true);
  }

  // ---- the queue page ---------------------------------------------------------------------

  var STATUS_CLASS = {waiting: "text-bg-warning", sending: "text-bg-info", sent: "text-bg-success", refused: "text-bg-danger"};

  function renderQueue() {
    var list = document.getElementById("offline-queue-list");
    if (!list) return Promise.resolve();
    var template = document.getElementById("offline-entry-template");
    return allEntries().then(function (entries) {
      document.getElementById("offline-queue-empty").hidden = entries.length > 0;
      list.replaceChildren();
      entries.slice().reverse().forEach(function (entry) {
        var row = template.content.firstElementChild.cloneNode(true);
        row.dataset.entry = String(entry.id);
        row.querySelector('[data-field="title"]').textContent = entry.title;
        var created = row.querySelector('[data-field="created"]');
        created.textContent = new Date(entry.created).toLocaleString(document.documentElement.lang);
        created.dateTime = new Date(entry.created).toISOString();
        if (entry.sent) {
          row.querySelector('[data-field="sent-line"]').hidden = false;
          var sent = row.querySelector('[data-field="sent"]');
          sent.textContent = new Date(entry.sent).toLocaleString(document.documentElement.lang);
          sent.dateTime = new Date(entry.sent).toISOString();
        }
        var status = row.querySelector('[data-field="status"]');
        status.textContent = text("status-" + entry.status);
        status.classList.add(STATUS_CLASS[entry.status] || "text-bg-secondary");
        row.querySelector('[data-field="reason"]').append.apply(
          row.querySelector('[data-field="reason"]'),
          reasonParts(entry.reason).map(function (part) {
            if (typeof part !== "string") return part;
            var line = document.createElement("p");
            line.className = "mb-1";
            line.textContent = part;
            return line;
          }));
        var sendButton = row.querySelector('[data-action="send"]');
        var fix = row.querySelector('[data-action="fix"]');
        var open = row.querySelector('[data-action="open"]');
        sendButton.hidden = entry.status !== "waiting";
        fix.hidden = entry.status !== "refused";
        fix.href = entry.page + "#resume=" + entry.id;
        open.hidden = entry.status !== "sent";
        if (entry.result_url) open.href = entry.result_url;
        sendButton.addEventListener("click", function () { runQueue(); });
        row.querySelector('[data-action="delete"]').addEventListener("click", function () {
          if (window.confirm(text("confirm-delete"))) deleteEntry(entry.id);
        });
        list.append(row);
      });
    }).catch(function () {
      document.getElementById("offline-queue-unsupported").hidden = false;
    });
  }
  listeners.push(renderQueue);

  // ---- start ------------------------------------------------------------------------------

  document.addEventListener("submit", onSubmit);
  if (user) {
    if (document.querySelector("form[data-offline-queue]")) photoReducer();
    showFlash();
    refreshBadge();
    renderQueue();
    resumeFromHash();
    runQueue();
    window.addEventListener("online", runQueue);
    window.addEventListener("pagehide", releaseClaims);
    // "Fix and resend" for this very page: load it again, for the item's current state and
    // version, then fill it in (a change of the hash alone would keep the stale page).
    window.addEventListener("hashchange", function () {
      if (/^#resume=\d+$/.test(location.hash)) location.reload();
    });
    setInterval(runQueue, RETRY_MS);
  }

  // For the browser tests and the service worker's page: the same functions the page uses.
  window.offlineQueue = {
    newKey: newKey, send: send, runQueue: runQueue, allEntries: allEntries, getEntry: getEntry,
    sitePath: sitePath,
  };
})();
