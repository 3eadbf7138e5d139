"""Console URL: decoded back with an independent JSURL reader, the query, groups and times are there."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from result_builders import logins

from trailq.errors import UsageError
from trailq.reporting.console import console_links, console_url, jsurl
from trailq.timerange import TimeRange

RANGE = TimeRange(datetime(2026, 11, 20, 8, tzinfo=timezone.utc), datetime(2026, 11, 20, 8, 59, 59, 999999, tzinfo=timezone.utc))
PREFIX = "logsV2:logs-insights$3FqueryDetail$3D"


def decode(text: str):
    """A small JSURL reader written from the notation's rules, to check the encoder against."""
    value, rest = _value(text)
    assert rest == "", rest
    return value


def _value(text: str):
    assert text[0] == "~", text
    text = text[1:]
    if text.startswith("'"):
        return _string(text[1:])
    if text.startswith("("):
        text = text[1:]
        if text.startswith("~"):  # array (an empty one is "~(~)")
            items = []
            if text.startswith("~)"):
                return items, text[2:]
            while not text.startswith(")"):
                item, text = _value(text)
                items.append(item)
            return items, text[1:]
        obj = {}
        while True:
            key, text = _string(text)
            obj[key], text = _value(text)
            if text.startswith(")"):
                return obj, text[1:]
            assert text[0] == "~"
            text = text[1:]
    for word, value in (("true", True), ("false", False), ("null", None)):
        if text.startswith(word):
            return value, text[len(word):]
    number = ""
    while text and (text[0].isdigit() or text[0] in ".-e"):
        number, text = number + text[0], text[1:]
    return float(number), text


def _string(text: str):
    units: list[int] = []
    out = []
    i = 0
    while i < len(text) and text[i] not in "~)":
        if text.startswith("**", i):
            units.append(int(text[i + 2:i + 6], 16))
            i += 6
            continue
        if units:
            out.append(b"".join(u.to_bytes(2, "big") for u in units).decode("utf-16-be"))
            units = []
        if text[i] == "*":
            out.append(chr(int(text[i + 1:i + 3], 16)))
            i += 3
        elif text[i] == "!":
            out.append("$")
            i += 1
        else:
            out.append(text[i])
            i += 1
    if units:
        out.append(b"".join(u.to_bytes(2, "big") for u in units).decode("utf-16-be"))
    return "".join(out), text[i:]


QUERY = 'fields @timestamp, userIdentity.arn\n| filter eventName = "ConsoleLogin" and x like /a$|é/ # 😀 ~(\'!*)'


def test_url_carries_query_groups_and_absolute_utc_range():
    url = console_url("eu-north-1", QUERY, ["CloudTrail/DefaultLogGroup", "org/trail"], RANGE)
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "eu-north-1.console.aws.amazon.com"
    assert parts.path == "/cloudwatch/home" and parse_qs(parts.query) == {"region": ["eu-north-1"]}
    assert parts.fragment.startswith(PREFIX)
    detail = decode(parts.fragment[len(PREFIX):])
    assert detail == {
        "end": "2026-11-20T08:59:59.999Z",
        "start": "2026-11-20T08:00:00.000Z",
        "timeType": "ABSOLUTE",
        "tz": "UTC",
        "editorString": QUERY,
        "source": ["CloudTrail/DefaultLogGroup", "org/trail"],
    }


def test_url_uses_only_characters_legal_in_a_fragment():
    url = console_url("us-east-1", QUERY, ["g"], RANGE)
    fragment = urlsplit(url).fragment
    legal = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?")
    assert set(fragment) <= legal


def test_jsurl_values():
    assert jsurl({"a": [1, True, None, "x y"], "b": []}) == "~(a~(~1~true~null~'x*20y)~b~(~))"
    assert decode(jsurl({"a": [1, True, None, "x y"], "b": []})) == {"a": [1.0, True, None, "x y"], "b": []}


@pytest.mark.parametrize("region,host", [("cn-north-1", "console.amazonaws.cn"),
                                         ("us-gov-west-1", "console.amazonaws-us-gov.com"),
                                         ("ap-southeast-2", "ap-southeast-2.console.aws.amazon.com")])
def test_partitions(region, host):
    assert urlsplit(console_url(region, "fields @message", ["g"], RANGE)).netloc == host


def test_bad_region_is_a_usage_error():
    for bad in ("", "all", "US-EAST-1"):
        with pytest.raises(UsageError):
            console_url(bad, "fields @message", ["g"], RANGE)


def test_links_one_per_query_and_region():
    a, b, c = logins("us-east-1"), logins("us-east-1"), logins("eu-north-1")
    b.target = type(b.target)("999999999999", "us-east-1", b.target.log_groups)  # another account, same region
    links = console_links([a, b, c], RANGE)
    assert [(link.query, link.region) for link in links] == [("console-logins", "us-east-1"), ("console-logins", "eu-north-1")]
    assert links[0].line().startswith("console-logins · us-east-1: https://us-east-1.console.aws.amazon.com/")
