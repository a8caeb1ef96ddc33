"""The client's address (client_ip, which the audit records), and the address the login throttle
and the report rate limit count (throttle_address: an IPv6 client's /64 network).

Behind nginx (or a load balancer) every request reaches the app from the proxy's address, so
counting REMOTE_ADDR would give every citizen one shared quota and lock a username for everybody.
The proxies the install trusts (settings.TRUSTED_PROXIES: addresses or networks) append the
address they received each request from to X-Forwarded-For; reading that header from the right
and skipping the trusted proxies gives the first address no trusted proxy vouches for: the
client. Entries further left were written by the client itself and are never believed, nor is
the header at all when REMOTE_ADDR is not a trusted proxy (anyone can send it).

django-ipware does this too, but matches trusted proxies by text prefix; networks are exact.

One IPv6 subscriber (a phone, a home line) is given a whole /64 and picks any address in it, so
counting exact IPv6 addresses would give one person 2**64 quotas: the throttles count the /64.
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
# The IPv6 prefix one subscriber is given (RFC 6177): the throttles count a client by it.
IPV6_PREFIX = 64


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str) -> Address | None:
    """The address in `text`: an X-Forwarded-For entry may carry a port ("203.0.113.5:51000",
    "[2001:db8::1]:443"), and an IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d."""
    text = text.strip()
    if text.startswith("["):                    # [IPv6] or [IPv6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:                  # IPv4:port (a bare IPv6 has two colons or more)
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


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


def throttle_address(request: HttpRequest) -> str:
    """The address the throttles count (AXES_CLIENT_IP_CALLABLE, the report rate limit): the
    client's, or for an IPv6 client its /64 network, written as the network's first address (so
    it fits axes' address columns). The audit keeps the full address (client_ip)."""
    text = client_ip(request)
    address = _address(text)
    if address is None:
        return text           # no address (a unix socket's empty REMOTE_ADDR): as it came
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False).network_address)
    return str(address)
