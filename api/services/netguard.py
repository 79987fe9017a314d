"""The SSRF guard: which addresses the server may send webhooks to, vetted after resolution.

A receiver URL names a host; what matters is the addresses it resolves to, now. Every address
of the host must be public (not private, loopback, link-local, the 169.254.169.254 metadata
service included, CGNAT, multicast, reserved or unspecified, nor an IPv6 address embedding one
of those) unless a configured network (`WEBHOOK_ALLOWED_NETWORKS`) holds it. Hosts written as
numbers in a non-standard form (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`, `0`) are refused
outright: parsers disagree on what they mean.

The check runs at registration and again before each delivery (DNS answers change), and the
delivery connects to the very address checked here, never to a fresh resolution of the name.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class RefusedDestination(ValueError):
    """A URL the server will not send to; the message says why."""


@dataclass(frozen=True)
class Destination:
    """A vetted receiver: the URL's parts and the addresses it resolved to, all allowed."""

    scheme: str
    host: str  # as written in the URL (lowercased, IPv6 without brackets)
    port: int
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def is_ip_literal(self) -> bool:
        return _ip_literal(self.host) is not None


def parse_networks(spec: str) -> tuple[IPNetwork, ...]:
    """`"127.0.0.0/8, ::1/128"` as networks; a bad entry raises ValueError naming it."""
    networks = []
    for entry in spec.split(","):
        if entry.strip():
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError as error:
                raise ValueError(f"Not a network (CIDR): {entry.strip()!r}") from error
    return tuple(networks)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for or tunnels to: mapped (::ffff:a.b.c.d),
    compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:…) or Teredo (2001:0:…)."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]  # the client's address
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _kind(address: IPAddress) -> str | None:
    """What makes an address non-public, if anything."""
    kinds = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.version == 4 and address in _CGNAT, "shared (CGNAT)"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (not address.is_global, "not globally routable"),
    )
    return next((kind for refused, kind in kinds if refused), None)


def forbidden_reason(address: IPAddress) -> str | None:
    """Why an address is not public (None when it is)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        kind = _kind(embedded) if embedded is not None else None
        if kind:
            return f"{address} stands for {embedded}, which is {kind}"
    kind = _kind(address)
    return f"{address} is {kind}" if kind else None


def is_allowed(address: IPAddress, allowed: tuple[IPNetwork, ...]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in network for network in allowed if network.version == address.version):
        return True
    return forbidden_reason(address) is None


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_odd_number(host: str) -> bool:
    """A host the C library reads as an IPv4 address although it is not a dotted quad
    (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`, `0`)."""
    if _ip_literal(host) is not None:
        return False
    try:
        socket.inet_aton(host)
    except (OSError, ValueError):
        return False
    return True


def split_url(url: str) -> SplitResult:
    """The URL's parts, when it is an http(s) URL without credentials."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as error:
        raise RefusedDestination(f"Not a valid URL: {error}.") from error
    if parts.scheme not in _DEFAULT_PORTS:
        raise RefusedDestination("Only http and https URLs are allowed.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise RefusedDestination("Credentials in the URL are not allowed.")
    if not parts.hostname:
        raise RefusedDestination("The URL names no host.")
    return parts


def resolve(host: str, port: int, timeout: float) -> tuple[IPAddress, ...]:
    """The host's addresses, by getaddrinfo in a thread given `timeout` seconds at most."""
    literal = _ip_literal(host)
    if literal is not None:
        return (literal,)
    outcome: dict = {}

    def lookup() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            outcome["error"] = error

    thread = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise RefusedDestination(f"{host} did not resolve within {timeout:g} s.")
    if "error" in outcome:
        raise RefusedDestination(f"{host} does not resolve: {outcome['error']}.")
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canonname, sockaddr in outcome["infos"]:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise RefusedDestination(f"{host} has no address.")
    return tuple(addresses)


def vet(url: str, allowed: tuple[IPNetwork, ...], timeout: float) -> Destination:
    """The destination `url` names, resolved, when every address it has may be sent to;
    otherwise `RefusedDestination` saying why."""
    parts = split_url(url)
    host = parts.hostname.rstrip(".") if parts.hostname else ""
    if _is_odd_number(host):
        raise RefusedDestination(
            f"{host} is an address in a non-standard form: write it as a dotted quad."
        )
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    addresses = resolve(host, port, timeout)
    for address in addresses:
        if not is_allowed(address, allowed):
            reason = forbidden_reason(address)
            where = (
                "" if _ip_literal(host) else f"{host} resolves to an address that is not public: "
            )
            raise RefusedDestination(
                f"{where}{reason}. Webhooks are only sent to public addresses."
            )
    return Destination(scheme=parts.scheme, host=host, port=port, addresses=addresses)
