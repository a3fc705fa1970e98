"""The client IP behind reverse proxies: X-Forwarded-For counts only from trusted peers."""

from __future__ import annotations

import pytest

from elenchos.http.client_address import client_ip, parse_trusted_proxies

PROXIES = parse_trusted_proxies(("10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.10"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        # No trusted peer: the header is ignored, whatever it says.
        ("203.0.113.7", ["198.51.100.1"], "203.0.113.7"),
        ("203.0.113.7", [], "203.0.113.7"),
        # One trusted proxy in front of the client.
        ("10.1.2.3", ["198.51.100.1"], "198.51.100.1"),
        ("192.0.2.10", ["198.51.100.1"], "198.51.100.1"),
        # A chain of trusted proxies: the rightmost untrusted entry wins.
        ("10.1.2.3", ["198.51.100.1, 10.9.9.9"], "198.51.100.1"),
        ("10.1.2.3", ["198.51.100.1", "10.9.9.9"], "198.51.100.1"),
        # A client that forges entries on the left cannot choose its address.
        ("10.1.2.3", ["1.1.1.1, 8.8.8.8, 198.51.100.1"], "198.51.100.1"),
        ("10.1.2.3", ["10.0.0.1, 198.51.100.1"], "198.51.100.1"),
        # Trusted peer without the header, or only trusted hops: the leftmost trusted hop.
        ("10.1.2.3", [], "10.1.2.3"),
        ("10.1.2.3", ["10.4.4.4, 10.5.5.5"], "10.4.4.4"),
        # Ports and brackets as some proxies write them.
        ("10.1.2.3", ["198.51.100.1:4711"], "198.51.100.1"),
        ("10.1.2.3", ["[2001:db8::1]:443"], "2001:db8::1"),
        ("2001:db8:ffff::5", ["2001:db8::1"], "2001:db8::1"),
        # IPv4 peers written as IPv4-mapped IPv6 addresses.
        ("::ffff:10.1.2.3", ["198.51.100.1"], "198.51.100.1"),
        # Garbage stops the walk at the last hop a trusted proxy vouched for.
        ("10.1.2.3", ["not-an-address"], "10.1.2.3"),
        ("10.1.2.3", ["198.51.100.1, garbage, 10.9.9.9"], "10.9.9.9"),
        ("10.1.2.3", ["198.51.100.1, , 10.9.9.9"], "10.9.9.9"),
        ("10.1.2.3", ["<script>, 198.51.100.1"], "198.51.100.1"),
        ("10.1.2.3", ["999.1.1.1"], "10.1.2.3"),
        # An unparsable peer (a test client's name) is returned as it is.
        ("testclient", ["198.51.100.1"], "testclient"),
    ],
)
def test_client_ip(peer: str, forwarded_for: list[str], expected: str) -> None:
    assert client_ip(peer, forwarded_for, PROXIES) == expected


def test_unknown_peer_gives_none() -> None:
    assert client_ip(None, ["198.51.100.1"], PROXIES) is None


def test_no_trusted_proxies_ignores_header() -> None:
    assert client_ip("10.1.2.3", ["198.51.100.1"], ()) == "10.1.2.3"


def test_very_long_chain_is_cut() -> None:
    hops = ", ".join(["10.0.0.1"] * 1000)

    assert client_ip("10.1.2.3", [f"198.51.100.1, {hops}"], PROXIES) == "10.0.0.1"


def test_invalid_proxy_setting_raises() -> None:
    with pytest.raises(ValueError):
        parse_trusted_proxies(("10.0.0.0/33",))
