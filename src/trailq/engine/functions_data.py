"""IP address and JSON scalar functions of Logs Insights (reference §4.11, §4.12).
Each registers itself in the engine's function table with `@scalar`.
"""

from __future__ import annotations

import ipaddress

import orjson

from trailq.engine.registry import scalar
from trailq.engine.values import Value, render_value, to_text


def ip(value: Value, version: int | None = None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = to_text(value)
    if text is None:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if version is not None and address.version != version:
        return None
    return address


def _in_subnet(value: Value, cidr: Value, version: int | None) -> Value:
    address = ip(value, version)
    text = to_text(cidr)
    if address is None or text is None:
        return False
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return False
    return address.version == network.version and address in network


@scalar("isIpInSubnet")
def is_ip_in_subnet(value: Value, cidr: Value) -> Value:
    return _in_subnet(value, cidr, None)


@scalar("isIpv4InSubnet")
def is_ipv4_in_subnet(value: Value, cidr: Value) -> Value:
    return _in_subnet(value, cidr, 4)


@scalar("isIpv6InSubnet")
def is_ipv6_in_subnet(value: Value, cidr: Value) -> Value:
    return _in_subnet(value, cidr, 6)


@scalar("isValidIp")
def is_valid_ip(value: Value) -> Value:
    return ip(value) is not None


@scalar("isValidIpV4")
def is_valid_ipv4(value: Value) -> Value:
    return ip(value, 4) is not None


@scalar("isValidIpV6")
def is_valid_ipv6(value: Value) -> Value:
    return ip(value, 6) is not None


@scalar("ipv4ToNumber")
def ipv4_to_number(value: Value) -> Value:
    address = ip(value, 4)
    return None if address is None else int(address)


# The three IP classes split every valid address (docs/semantics.md): private is RFC 1918, as the
# page says; public is globally reachable unicast (IANA's special-purpose registry, as Python's
# `is_global` reads it, multicast excluded); reserved is every other special-purpose range (loopback,
# link-local, documentation, shared 100.64/10, benchmarking, multicast, 240/4, IPv6 ULA, ...).
_RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _rfc1918(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.version == 4 and any(address in network for network in _RFC1918)


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return bool(address.is_global) and not address.is_multicast


@scalar("isPrivateIP")
def is_private(value: Value) -> Value:
    address = ip(value)
    return address is not None and _rfc1918(address)


@scalar("isReservedIP")
def is_reserved(value: Value) -> Value:
    address = ip(value)
    return address is not None and not _rfc1918(address) and not _public(address)


@scalar("isPublicIP")
def is_public(value: Value) -> Value:
    address = ip(value)
    return address is not None and _public(address)


# --- JSON ------------------------------------------------------------------------------------


@scalar("jsonParse")
def json_parse(value: Value) -> Value:
    if isinstance(value, (dict, list)):
        return value
    text = to_text(value)
    if text is None:
        return None
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, (dict, list)) else None


@scalar("jsonStringify")
def json_stringify(value: Value) -> Value:
    if isinstance(value, (dict, list)):
        return render_value(value)
    return None


@scalar("jsonArraySize")
def json_array_size(value: Value) -> Value:
    parsed = json_parse(value)
    return len(parsed) if isinstance(parsed, list) else None


@scalar("jsonArrayContains")
def json_array_contains(value: Value, item: Value) -> Value:
    parsed = json_parse(value)
    if not isinstance(parsed, list):
        return False
    wanted = render_value(item)
    return any(not isinstance(x, (dict, list)) and render_value(_json_scalar(x)) == wanted for x in parsed)


def _json_scalar(value: object) -> Value:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value  # type: ignore[return-value]  # a JSON scalar left: str, int or float
