"""The client's address, as the login throttle and the report rate limit count it.

Behind nginx (or a load balancer) every request reaches the app from the proxy's address, so
counting REMOTE_ADDR would give every citizen one shared quota and lock a username for everybody.
The proxies the install trusts (settings.TRUSTED_PROXIES: addresses or networks) append the
address they received each request from to X-Forwarded-For; reading that header from the right
and skipping the trusted proxies gives the first address no trusted proxy vouches for: the
client. Entries further left were written by the client itself and are never believed, nor is
the header at all when REMOTE_ADDR is not a trusted proxy (anyone can send it).

django-ipware does this too, but matches trusted proxies by text prefix; networks are exact.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

type Network = ipaddress.IPv4Network | ipaddress.IPv6Network
type Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# A header longer than this is not read past its last entries: a request carries at most a few
# proxies, and the header is the client's to make long.
MAX_HOPS = 20


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, when that is a trusted proxy, the rightmost address
    of X-Forwarded-For that is not one."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    peer = _address(remote)
    if peer is None or not networks or not _trusted(peer, networks):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-MAX_HOPS:]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break        # a malformed entry: nothing to its left can be believed
        if not _trusted(address, networks):
            return str(address)
    return remote
