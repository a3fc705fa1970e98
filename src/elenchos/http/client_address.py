"""The client's IP address behind reverse proxies, from X-Forwarded-For when the peer is trusted.

Each proxy appends the address it received the request from, so the header's
right end was written by our own proxies and its left end by whoever sent the
request. Walking from the right past trusted proxies, the first address that
is not one of them is the client's. Anything further left can be forged.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# A request through more proxies than this is not one our proxies built.
MAX_FORWARDED_HOPS = 32


@lru_cache(maxsize=8)
def parse_trusted_proxies(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Return the networks of the trusted proxies; raises ValueError for an invalid entry."""
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def client_ip(
    peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[IPNetwork]
) -> str | None:
    """Return the client's address given the peer's and every X-Forwarded-For header value.

    The header counts only when the peer is a trusted proxy. An entry that is
    not an IP address stops the walk, and the last trusted hop before it is
    returned, because nothing left of a malformed entry can be believed.
    """
    peer_address = _parse(peer) if peer is not None else None
    if peer_address is None or not _is_trusted(peer_address, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    nearest = peer_address
    for hop in reversed(hops[-MAX_FORWARDED_HOPS:]):
        address = _parse(hop)
        if address is None:
            break
        nearest = address
        if not _is_trusted(address, trusted):
            break
    return str(nearest)


def _is_trusted(address: IPAddress, trusted: Sequence[IPNetwork]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in trusted)


def _parse(value: str) -> IPAddress | None:
    """Parse an address as proxies write it: bare, with a port, or an IPv6 one in brackets."""
    text = value.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
