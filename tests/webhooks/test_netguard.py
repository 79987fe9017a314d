"""The SSRF guard on its own: which URLs it lets through, whatever form their host takes."""

import ipaddress
import time

import pytest

from api.services import netguard

LOOPBACK = netguard.parse_networks("127.0.0.0/8,::1/128")


def refused(url: str, allowed=()) -> str:
    with pytest.raises(netguard.RefusedDestination) as caught:
        netguard.vet(url, allowed, timeout=2)
    return str(caught.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://localhost/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://172.31.255.255/", "private"),
        ("http://192.168.0.10/", "private"),
        ("http://[fc00::1]/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
        ("http://[fe80::1]/", "link-local"),
        ("http://100.64.0.1/", "CGNAT"),
        ("http://100.127.255.254/", "CGNAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://[ff02::1]/", "multicast"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://240.0.0.1/", "reserved"),
        ("http://255.255.255.255/", "reserved"),
        ("http://192.0.2.1/", "private"),  # documentation
        ("http://[2001:db8::1]/", "private"),  # documentation
        ("http://[::ffff:127.0.0.1]/", "127.0.0.1, which is loopback"),  # IPv4-mapped
        ("http://[::ffff:a9fe:a9fe]/", "169.254.169.254, which is link-local"),
        ("http://[::127.0.0.1]/", "127.0.0.1, which is loopback"),  # IPv4-compatible
        ("http://[64:ff9b::a00:1]/", "10.0.0.1, which is private"),  # NAT64
        ("http://[2002:c0a8:1::]/", "192.168.0.1, which is private"),  # 6to4
    ],
)
def test_non_public_addresses_are_refused(url, reason):
    assert reason in refused(url)


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "017700000001", "127.1", "0"],
)
def test_numbers_in_non_standard_forms_are_refused_even_where_allowed(host):
    assert "non-standard form" in refused(f"http://{host}/", LOOPBACK)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
        "http://user:secret@example.org/",
        "http://@example.org/",
        "http:///path-only",
        "http://example.org:99999/",
    ],
)
def test_urls_other_than_plain_http_are_refused(url):
    refused(url)


def test_public_addresses_pass():
    destination = netguard.vet("https://8.8.8.8:8443/hooks", (), timeout=2)
    assert destination.addresses == (ipaddress.ip_address("8.8.8.8"),)
    assert destination.host_header == "8.8.8.8:8443"
    assert netguard.vet("http://[2606:4700::1111]/", (), timeout=2).host_header == (
        "[2606:4700::1111]"
    )


def test_allowed_networks_open_only_themselves():
    assert netguard.vet("http://127.0.0.1:8080/", LOOPBACK, timeout=2).host_header == (
        "127.0.0.1:8080"
    )
    assert netguard.vet("http://[::ffff:127.0.0.1]/", LOOPBACK, timeout=2)  # mapped = IPv4
    assert "private" in refused("http://10.0.0.1/", LOOPBACK)
    assert "link-local" in refused("http://169.254.169.254/", LOOPBACK)


def test_names_resolve_before_the_check():
    destination = netguard.vet("http://localhost:5000/", LOOPBACK, timeout=2)
    assert all(address.is_loopback for address in destination.addresses)
    assert destination.host_header == "localhost:5000"


def test_a_name_that_does_not_resolve_is_refused_quickly():
    started = time.monotonic()
    assert "does not resolve" in refused("http://nowhere.invalid/")
    assert time.monotonic() - started < 3


def test_a_slow_resolution_is_cut_short(monkeypatch):
    def hang(*_args, **_kwargs):
        time.sleep(2)
        raise OSError("too late")

    monkeypatch.setattr(netguard.socket, "getaddrinfo", hang)
    started = time.monotonic()
    with pytest.raises(netguard.RefusedDestination, match="did not resolve within 0.1 s"):
        netguard.vet("http://slow.example.org/", (), timeout=0.1)
    assert time.monotonic() - started < 1


def test_bad_network_settings_are_named():
    with pytest.raises(ValueError, match="not-a-network"):
        netguard.parse_networks("127.0.0.0/8, not-a-network")
    assert netguard.parse_networks(" ") == ()
