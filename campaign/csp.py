"""The Content-Security-Policy every response carries (settings.SECURE_CSP, sent by Django's
ContentSecurityPolicyMiddleware): scripts, styles, fonts and images from the site itself only, no
inline script or style, no plugin, no framing.

Imported by the settings: this module reads no setting and no model.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# Bootstrap's CSS draws its small icons (the menu button, a select's arrow, a ticked checkbox,
# a closing cross) as data: SVG images; nothing else on the site is a data: URL.
BOOTSTRAP_ICONS = "data:"


def tile_source(url: str) -> str | None:
    """The source to allow images from for the map's tile URL template (settings.MAP_TILE_URL):
    its scheme, host and port. Leaflet's {s} subdomain, as the host's first label, becomes a
    wildcard. None for no tiles or tiles from the site itself (a path)."""
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return None     # a path on this site: 'self'
    host = parts.netloc.rpartition("@")[2]
    first, dot, rest = host.partition(".")
    if first.startswith("{") and first.endswith("}") and dot:
        host = f"*.{rest}"
    if parts.scheme not in ("http", "https") or not host or "{" in host or "}" in host:
        raise ImproperlyConfigured(
            f"CAMPAIGN_MAP_TILES {url!r}: an http(s) URL template such as "
            "https://tiles.example.gov.cn/{z}/{x}/{y}.png; only the host's first label may be a "
            "placeholder ({s})"
        )
    return f"{parts.scheme}://{host}"


def content_security_policy(tile_url: str = "") -> dict[str, list[str]]:
    """SECURE_CSP for a site whose map draws tiles from `tile_url` (may be empty)."""
    images = [CSP.SELF, BOOTSTRAP_ICONS]
    if tiles := tile_source(tile_url):
        images.append(tiles)
    return {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF],
        "style-src": [CSP.SELF],
        "img-src": images,
        "font-src": [CSP.SELF],
        "connect-src": [CSP.SELF],
        "object-src": [CSP.NONE],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.SELF],
        "frame-ancestors": [CSP.NONE],
    }
