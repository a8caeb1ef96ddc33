"""The app shell: what the service worker stores at install, so that a page kept for offline
use opens with its styles, icons and scripts, and so that the offline page is there when the
network is not.

Built in Python so the worker lists the real static URLs (hashed names in production, the
names WhiteNoise serves with a year's cache lifetime). A name that does not resolve (a file
or URL another part of issue 15 has not added yet) is left out rather than failing the
install: the lead adds names here at merge time and the version changes by itself.
"""

import hashlib
import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse

from campaign.pwa.icons import ICONS

# What every page loads (base.html, _head_meta.html), then what the pages an inspector or a
# unit's staff use in the street load: the visit form, the item page (its step forms), the
# offline queue (issue 15's sending half), and the icons the manifest names.
STATIC_NAMES: tuple[str, ...] = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    # bootstrap-icons.min.css asks for its font with a ?hash query: the worker matches static
    # files without their query.
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "campaign/site.css",
    "campaign/session.js",
    "campaign/pwa.js",
    "campaign/offline_queue.js",
    "campaign/photo_reduce.js",
    "campaign/forms.js",
    "campaign/table_scroll.js",
    "inspections/visit_form.js",
    "inspections/geolocate.js",
    "inspections/item_detail.js",
    "inspections/items.css",
    *(f"campaign/icons/{name}" for name in ICONS),
)

# Pages stored with the shell: the offline page (the fallback of every navigation that fails
# with no kept copy). Only pages rendered for nobody: the shell is shared by whoever holds the
# phone. The queue page names its person (the nav, whose forms it lists): it is kept per person,
# with the day pack. URL names, reversed.
QUEUE_PAGE = "offline:queue"
PAGE_NAMES: tuple[str, ...] = ("pwa:offline",)
# The page every failed navigation falls back to.
OFFLINE_PAGE = "pwa:offline"


@dataclass(frozen=True)
class Shell:
    static: list[str]       # static file URLs, without query
    pages: list[str]        # page URLs
    version: str            # changes whenever a URL (so, in production, a file's hash) changes

    @property
    def offline_page(self) -> str:
        return reverse(OFFLINE_PAGE)


def static_url(name: str) -> str | None:
    """The URL the site serves `name` at, or None when there is no such file (yet)."""
    if finders.find(name) is None and not staticfiles_storage.exists(name):
        return None
    try:
        return static(name)
    except ValueError:          # collected before the file existed: not in the manifest
        return None


def page_url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _debug_stamp(name: str) -> str:
    """In development the static URLs carry no hash: the files' sizes and times stand in, so
    editing site.css still replaces the worker's caches."""
    path = finders.find(name)
    if not isinstance(path, str):
        return ""
    stat = os.stat(path)
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def build_shell(worker_source: str = "") -> Shell:
    """The shell for this deployment; `worker_source` (the worker's own template text) goes
    into the version, so a change to the worker's code replaces the old caches too."""
    statics = [(name, url) for name in STATIC_NAMES if (url := static_url(name))]
    pages = [url for name in PAGE_NAMES if (url := page_url(name))]
    digest = hashlib.sha256(worker_source.encode())
    for name, url in statics:
        digest.update(url.encode())
        if settings.DEBUG:
            digest.update(_debug_stamp(name).encode())
    for url in pages:
        digest.update(url.encode())
    return Shell(static=[url for _name, url in statics], pages=pages,
                 version=digest.hexdigest()[:16])
