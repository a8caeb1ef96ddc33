// The installable app, seen from the page (issue 15; the worker is templates/pwa/sw.js):
// - registers the service worker (browsers allow one only in a secure context: HTTPS, or
//   localhost; a plain-HTTP intranet gets no offline mode);
// - on a live page, deletes the pages kept for anyone but the person signed in (a shared phone),
//   all of them on a page with nobody signed in (the login page);
// - on a kept copy (the worker marks it <meta name="campaign-kept">), says since when it is kept;
// - on the home page, keeps the day pack (the button, then by itself when older than 12 h);
// - on the offline page, lists the pages kept.
(function () {
  "use strict";
  const config = document.querySelector("meta[name=campaign-pwa]");
  if (!config) return;
  const keptMeta = document.querySelector("meta[name=campaign-kept]");
  const supported = "serviceWorker" in navigator && window.isSecureContext && "caches" in window;
  const PAGES = "pages-";
  // A pack older than this is kept again by itself when the home page opens.
  const REFRESH_AFTER = 12 * 3600 * 1000;

  function two(number) { return String(number).padStart(2, "0"); }
  // HH:MM today; MM-DD HH:MM on another day (a copy kept yesterday must not read as today's).
  function clock(when) {
    const date = new Date(Number(when));
    const time = two(date.getHours()) + ":" + two(date.getMinutes());
    if (date.toDateString() === new Date().toDateString()) return time;
    return two(date.getMonth() + 1) + "-" + two(date.getDate()) + " " + time;
  }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return name in values ? String(values[name]) : all;
    });
  }
  function packKey(user) { return "campaign.pwa.packed." + user; }
  function lastPack(user) {
    try { return Number(window.localStorage.getItem(packKey(user))) || 0; } catch (e) { return 0; }
  }

  // The banner on a copy shown from the phone's storage.
  if (keptMeta) {
    const banner = document.createElement("div");
    banner.className = "alert alert-warning py-2 pwa-kept-banner d-print-none";
    banner.setAttribute("role", "status");
    banner.id = "pwa-kept-banner";
    banner.textContent = fill(config.dataset.keptText || "", {time: clock(keptMeta.content)});
    const main = document.querySelector("main") || document.body;
    main.insertBefore(banner, main.firstChild);
    // A form kept at 08:12 and filled in at 14:00 records 14:00: the fields that default to
    // "now" (data-now) take the time the copy is opened.
    const now = new Date();
    const local = now.getFullYear() + "-" + two(now.getMonth() + 1) + "-" + two(now.getDate())
      + "T" + two(now.getHours()) + ":" + two(now.getMinutes());
    document.querySelectorAll("input[type=datetime-local][data-now]").forEach(function (input) {
      input.value = local;
    });
  }

  if (!supported) {
    const block = document.getElementById("pwa-keep-block");
    if (block) {
      block.hidden = false;
      document.getElementById("pwa-keep").disabled = true;
      document.getElementById("pwa-keep-status").textContent = block.dataset.unsupported;
    }
    return;
  }

  navigator.serviceWorker.register(config.dataset.worker, {scope: "/"}).catch(function () {
    /* no worker: the site works as before, online only */
  });

  // Other people's kept pages go, on live pages only: a kept copy names whoever kept it.
  const user = config.dataset.user;
  if (user !== undefined && !keptMeta) {
    caches.keys().then(function (names) {
      names.forEach(function (name) {
        if (name.startsWith(PAGES) && name !== PAGES + user) {
          caches.delete(name);
          try { window.localStorage.removeItem(packKey(name.slice(PAGES.length))); } catch (e) { /* private mode */ }
        }
      });
    });
  }

  // The queue page (forms waiting on this phone) must open offline even for someone who never
  // kept a day pack: kept once in the person's pages (not in the shell: it names its person).
  const queue = config.dataset.queue;
  if (user && queue && !keptMeta) {
    navigator.serviceWorker.ready.then(function (registration) {
      return caches.open(PAGES + user).then(function (cache) { return cache.match(queue); })
        .then(function (found) {
          if (!found && registration.active) {
            registration.active.postMessage({type: "keep-one", user: user, url: queue});
          }
        });
    }).catch(function () { /* storage refused: online only */ });
  }

  // The home page: keep today's work on this phone.
  const block = document.getElementById("pwa-keep-block");
  if (block && user) {
    const button = document.getElementById("pwa-keep");
    const status = document.getElementById("pwa-keep-status");
    let running = false;
    block.hidden = false;
    const last = lastPack(user);
    if (last) status.textContent = fill(block.dataset.last, {time: clock(last)});

    const keep = function () {
      if (running) return;
      running = true;
      button.disabled = true;
      status.textContent = block.dataset.starting;
      fetch(block.dataset.packUrl, {credentials: "same-origin", redirect: "error",
                                    headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (pack) {
          return navigator.serviceWorker.ready.then(function (registration) {
            return new Promise(function (resolve) {
              const channel = new MessageChannel();
              channel.port1.onmessage = function (event) {
                const data = event.data;
                if (data.finished) {
                  resolve(data);
                } else {
                  status.textContent = fill(block.dataset.progress, {done: data.done, total: data.total});
                }
              };
              registration.active.postMessage({type: "keep", user: user, urls: pack.urls, atOnce: pack.at_once},
                                              [channel.port2]);
            });
          });
        })
        .then(function (result) {
          if (result.ended) {
            status.textContent = block.dataset.ended;
            return;
          }
          try { window.localStorage.setItem(packKey(user), String(result.at)); } catch (e) { /* private mode */ }
          status.textContent = fill(block.dataset.done, {count: result.kept, time: clock(result.at)})
            + (result.failed ? " " + fill(block.dataset.failed, {count: result.failed}) : "");
        })
        .catch(function () {
          status.textContent = block.dataset.error;
        })
        .finally(function () {
          running = false;
          button.disabled = false;
        });
    };
    button.addEventListener("click", keep);
    // Once a person keeps their work on this phone, it is kept again each morning by itself.
    if (last && Date.now() - last > REFRESH_AFTER && navigator.onLine) keep();
  }

  // The offline page: what is kept, from the worker's list of each person's cache.
  const list = document.getElementById("pwa-kept-list");
  if (list) {
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.startsWith(PAGES); })
        .map(function (name) {
          return caches.open(name).then(function (cache) { return cache.match("/offline/kept.json"); })
            .then(function (response) { return response ? response.json() : null; });
        }));
    }).then(function (indexes) {
      const pages = [];
      indexes.forEach(function (index) { if (index) pages.push.apply(pages, index.pages); });
      list.textContent = "";
      if (!pages.length) {
        const empty = document.createElement("li");
        empty.className = "list-group-item text-body-secondary";
        empty.textContent = list.dataset.empty;
        list.appendChild(empty);
        return;
      }
      pages.forEach(function (page) {
        // The whole row is the link, 44 px or more: tapped with a thumb in the street.
        const item = document.createElement("li");
        item.className = "list-group-item position-relative py-3";
        const link = document.createElement("a");
        link.className = "stretched-link";
        link.href = page.url;
        link.textContent = page.title || page.url;
        const time = document.createElement("span");
        time.className = "small text-body-secondary ms-2";
        time.textContent = clock(page.kept);
        item.appendChild(link);
        item.appendChild(time);
        list.appendChild(item);
      });
    }).catch(function () { /* storage refused: the list stays as rendered */ });
  }
})();
