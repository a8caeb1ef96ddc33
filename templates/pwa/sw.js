{% autoescape off %}// The service worker (issue 15): the app shell and the pages kept for a day offline.
// Rendered by campaign.pwa.views.service_worker; the shell's URLs come from campaign/pwa/shell.py.
//
// - Shell (static files and the offline page, nothing that names a person): stored at install;
//   static files are answered cache first (their production names carry a content hash, so a
//   stored copy is never stale), and a new version of this script (a changed file, a changed
//   list) replaces the cache. A page kept before a deploy names the old hashed files: offline,
//   it gets the current file of the same name.
// - Navigations: network first (with navigation preload), so a person online always sees the live
//   page; without a network, the kept copy of that URL, else the offline page.
// - Kept pages: only what the page asks for (the day pack, campaign.pwa + inspections'
//   /offline/pack/), stored in a cache per person ("pages-<user id>"), which the pages delete
//   for anyone else who uses the phone. Only a 200 HTML page rendered for that same person is
//   stored (a login page, or a page for someone who signed in meanwhile, never is). A kept copy
//   is refreshed when it is visited online.
// - Never touched: anything but GET (a POST goes to the network or to the sending queue), a Range
//   request, other sites. Never stored: /accounts/, /admin/, /audit/, exports, any page not in the pack, and any photo but
//   the thumbnails shown on the pack's pages (a few per page, for the same person).
"use strict";

const VERSION = "{{ version }}";
const SHELL = "shell-" + VERSION;
const SHELL_STATIC = {{ shell_static }};
const SHELL_PAGES = {{ shell_pages }};
const OFFLINE_PAGE = {{ offline_page }};
// The queue of forms waiting on this phone: the one page a person's page may ask to keep alone.
const QUEUE_PAGE = {{ queue_page }};
const PAGES_PREFIX = "pages-";
// The kept pages' own list (URL, title, time), for the offline page; never a real URL.
const INDEX_URL = "/offline/kept.json";
// Paths never stored as pages, whatever asks: sign-in, administration and audit pages,
// exports, photos.
const NEVER_KEEP = [/^\/accounts\//, /^\/admin\//, /^\/audit\//, /\.(csv|xlsx|pdf)$/, /\/photos\//];
// The thumbnails an item's or a task's page shows (inspections:photo-thumb, task-photo-thumb):
// kept with the pack's pages, so a before/after photo shows offline; the full photos are not.
const THUMB = /^\/(tasks\/)?photos\/\d+\/thumb\/$/;
const THUMBS_PER_PAGE = 12;
const THUMBS_PER_PACK = 600;
// Pages fetched at a time while keeping the pack: the server says how many (the pack's
// at_once), never more than this.
const MAX_AT_ONCE = 6;

const staticPaths = new Set(SHELL_STATIC);
// Production static names carry a 12-hex-digit content hash (Django's manifest storage):
// "site.3f2a…c1.css" is "site.css" of some deploy.
function unhashed(path) {
  return path.replace(/\.[0-9a-f]{12}(\.[A-Za-z0-9]+)$/, "$1");
}
const currentStatic = new Map(SHELL_STATIC.map((path) => [unhashed(path), path]));

// The person a page was rendered for: <meta name="campaign-pwa" data-user="<id>"> (empty for
// nobody signed in, absent on the offline page).
function pageUser(html) {
  const match = /<meta name="campaign-pwa"[^>]*\sdata-user="(\d*)"/.exec(html);
  return match ? match[1] : null;
}

function keepable(url) {
  return url.origin === self.location.origin && !NEVER_KEEP.some((rule) => rule.test(url.pathname));
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    // The static files must all be there, or the install fails and the old version stays.
    await cache.addAll(SHELL_STATIC);
    // The offline page (rendered for nobody); a page that names a person never goes here, where
    // whoever holds the phone next would find it.
    await Promise.all(SHELL_PAGES.map((url) => keepPage(cache, url).catch(() => null)));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    // Old shells go; the kept pages stay (their person may still be offline tomorrow).
    for (const name of await caches.keys()) {
      if (name.startsWith("shell-") && name !== SHELL) await caches.delete(name);
    }
    // Navigation preload: the page's request leaves while the worker starts (a phone may take
    // a few hundred ms to start it), instead of after.
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || request.headers.has("Range")) return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (staticPaths.has(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (currentStatic.has(unhashed(url.pathname))) {
    // A kept page of an older deploy: its file from the network, offline today's version.
    event.respondWith(fetch(request).catch(async () => {
      const shell = await caches.open(SHELL);
      return (await shell.match(currentStatic.get(unhashed(url.pathname)))) || Response.error();
    }));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(event, url));
  } else if (THUMB.test(url.pathname)) {
    event.respondWith(fetch(request).catch(async () => {
      const kept = await keptCopy(request);
      return kept ? kept.response : Response.error();
    }));
  }
});

async function cacheFirst(request) {
  const cache = await caches.open(SHELL);
  // bootstrap-icons asks for its font with a ?hash query; the stored copy has none.
  return (await cache.match(request, {ignoreSearch: true})) || fetch(request);
}

async function keptCopy(request) {
  // A person's kept pages first, then the shell (the offline page).
  const names = (await caches.keys()).filter((name) => name.startsWith(PAGES_PREFIX));
  for (const name of [...names, SHELL]) {
    const cache = await caches.open(name);
    // Pages vary on the cookie and the language; a kept copy is this person's anyway.
    const found = await cache.match(request, {ignoreVary: true});
    if (found) return {name, cache, response: found};
  }
  return null;
}

async function networkFirst(event, url) {
  const request = event.request;
  try {
    const response = (await event.preloadResponse) || await fetch(request);
    // Visited online: a kept copy becomes this fresher one (the offline page stays unmarked),
    // after the page is answered.
    if (response.ok && !response.redirected && keepable(url) && url.pathname !== OFFLINE_PAGE) {
      event.waitUntil(refresh(request, response.clone()));
    }
    if (response.ok) event.waitUntil(offlinePageIn(response.headers.get("Content-Language")));
    return response;
  } catch (error) {
    // No network (or the server is unreachable): the kept copy, else the offline page.
    const kept = await keptCopy(request);
    if (kept) return kept.response;
    const shell = await caches.open(SHELL);
    return (await shell.match(OFFLINE_PAGE)) || Response.error();
  }
}

// The offline page was kept at install in the language of that moment: a person reading the
// site in another language (Django's Content-Language) gets it kept again in theirs.
async function offlinePageIn(language) {
  if (!language) return;
  const shell = await caches.open(SHELL);
  const kept = await shell.match(OFFLINE_PAGE);
  if (kept && kept.headers.get("Content-Language") === language) return;
  await keepPage(shell, OFFLINE_PAGE).catch(() => null);
}

async function refresh(request, response) {
  const kept = await keptCopy(request);
  if (!kept || !kept.name.startsWith(PAGES_PREFIX)) return;
  const html = await response.text();
  // Someone else signed in meanwhile: their page never goes into the first person's pages.
  if (pageUser(html) !== kept.name.slice(PAGES_PREFIX.length)) return;
  await kept.cache.put(request.url, marked(html, response, Date.now())).catch(() => null);
}

// A kept copy carries the time it was kept (<meta name="campaign-kept">): pwa.js shows "Offline
// copy kept at HH:MM" from it, and leaves other people's caches alone on such a page.
function marked(html, response, when) {
  const meta = '<meta name="campaign-kept" content="' + when + '">';
  const headers = new Headers(response.headers);
  headers.delete("Content-Length");
  return new Response(html.replace(/<head>/i, "<head>" + meta), {
    status: response.status, statusText: response.statusText, headers,
  });
}

function thumbsOf(html) {
  const found = [];
  for (const match of html.matchAll(/<img[^>]+src="([^"]+)"/gi)) {
    if (THUMB.test(match[1]) && !found.includes(match[1])) found.push(match[1]);
    if (found.length >= THUMBS_PER_PAGE) break;
  }
  return found;
}

function titleOf(html) {
  const match = /<title>([\s\S]*?)<\/title>/i.exec(html);
  const text = match ? match[1].replace(/\s+/g, " ").trim() : "";
  // The title is shown with textContent on the offline page: entities are undone here.
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'").replace(/&amp;/g, "&");
}

class SessionEnded extends Error {}

// Fetch one page as the signed-in person and store it; a redirect (to the login page) or an
// error is not stored, nor a page rendered for anyone but `user` (the session ended, or someone
// else signed in meanwhile: SessionEnded). Without `user` (the offline page), stored unmarked.
// Returns {url, title, kept, thumbs} or throws.
async function keepPage(cache, url, user = null) {
  const target = new URL(url, self.location.origin);
  if (!keepable(target)) throw new Error("not kept: " + url);
  const response = await fetch(target.href, {credentials: "same-origin", cache: "no-store"});
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || !type.startsWith("text/html")) throw new Error("not a page: " + url);
  const html = await response.text();
  // The login page (a redirect there) names nobody: the session ended, stop.
  if (user !== null && pageUser(html) !== user) throw new SessionEnded(url);
  if (response.redirected) throw new Error("moved: " + url);
  const when = Date.now();
  const stored = user !== null ? marked(html, response, when)
    : new Response(html, {status: response.status, headers: response.headers});
  await cache.put(target.href, stored);
  return {url: target.pathname + target.search, title: titleOf(html), kept: when,
          thumbs: thumbsOf(html)};
}

async function keepThumb(cache, url) {
  const target = new URL(url, self.location.origin);
  const response = await fetch(target.href, {credentials: "same-origin", cache: "no-store"});
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || response.redirected || !type.startsWith("image/")) throw new Error(url);
  await cache.put(target.href, response);
  return target.href;
}

// The page asks to keep the day pack: {type: "keep", user, urls, atOnce} on a MessageChannel port, which
// hears {done, total} as pages are stored and a last {finished: true, kept, failed, at} (kept: the
// pages fetched now; a page that failed keeps its earlier copy), or {finished: true, ended: true}
// when the pages stopped being this person's (logged out, or someone else logged in).
self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  if (data.type === "keep-one" && data.url === QUEUE_PAGE && /^\d+$/.test(String(data.user))) {
    event.waitUntil(caches.open(PAGES_PREFIX + data.user)
      .then((cache) => keepPage(cache, QUEUE_PAGE, String(data.user))).catch(() => null));
    return;
  }
  if (data.type !== "keep" || !port || !/^\d+$/.test(String(data.user))) return;
  const atOnce = Math.min(Math.max(Math.floor(Number(data.atOnce)) || 1, 1), MAX_AT_ONCE);
  event.waitUntil(keepPack(String(data.user), (data.urls || []).slice(0, 1000), atOnce, port));
});

async function keepPack(user, urls, atOnce, port) {
  const cache = await caches.open(PAGES_PREFIX + user);
  const kept = [];
  let fresh = 0;
  let failed = 0;
  let ended = false;
  let next = 0;
  async function worker() {
    while (next < urls.length && !ended) {
      const url = urls[next++];
      try {
        kept.push(await keepPage(cache, url, user));
        fresh += 1;
      } catch (error) {
        failed += 1;
        // A signal lost in the street: yesterday's copy of that page stays.
        const old = await cache.match(new URL(url, self.location.origin).href);
        if (old) kept.push(await described(url, old));
        if (error instanceof SessionEnded) ended = true;
      }
      port.postMessage({done: fresh + failed, total: urls.length});
    }
  }
  await Promise.all(Array.from({length: atOnce}, worker));
  if (ended) {
    // Nothing more can be fetched as this person; what is kept stays theirs, the page says to
    // log in again.
    port.postMessage({finished: true, ended: true});
    return;
  }
  // Then the thumbnails those pages show (a photo that fails is only missing offline).
  const thumbs = [...new Set(kept.flatMap((page) => page.thumbs))].slice(0, THUMBS_PER_PACK);
  const keptThumbs = [];
  let nextThumb = 0;
  async function thumbWorker() {
    while (nextThumb < thumbs.length) {
      const url = thumbs[nextThumb++];
      try {
        keptThumbs.push(await keepThumb(cache, url));
      } catch (error) {
        // Shown online only, or yesterday's copy.
        const href = new URL(url, self.location.origin).href;
        if (await cache.match(href)) keptThumbs.push(href);
      }
    }
  }
  await Promise.all(Array.from({length: atOnce}, thumbWorker));
  // The pack replaces yesterday's: pages and photos no longer in it go.
  const wanted = new Set(kept.map((page) => new URL(page.url, self.location.origin).href));
  keptThumbs.forEach((url) => wanted.add(url));
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
  const at = Date.now();
  kept.sort((a, b) => urls.indexOf(a.url) - urls.indexOf(b.url));
  const pages = kept.map(({url, title, kept: when}) => ({url, title, kept: when}));
  await cache.put(INDEX_URL, new Response(JSON.stringify({at, pages}),
    {headers: {"Content-Type": "application/json"}}));
  port.postMessage({finished: true, kept: fresh, failed, photos: keptThumbs.length, at});
}

// A copy kept earlier, described as keepPage describes a fresh one.
async function described(url, response) {
  const html = await response.clone().text();
  const match = /<meta name="campaign-kept" content="(\d+)">/.exec(html);
  const target = new URL(url, self.location.origin);
  return {url: target.pathname + target.search, title: titleOf(html),
          kept: match ? Number(match[1]) : 0, thumbs: thumbsOf(html)};
}
{% endautoescape %}
