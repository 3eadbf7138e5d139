"""The CloudWatch Logs Insights console link for a query: text, log groups and time range filled in.

URL format (as the console itself writes it when you share a query; no AWS document describes it):

    https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}
      #logsV2:logs-insights$3FqueryDetail$3D{JSURL object}

- The fragment is the console's own route `logs-insights?queryDetail=` with `%` written as `$`
  (the console's convention for nesting encoded text in a fragment), so `$3F` is `?` and `$3D` is `=`.
- The object is JSURL-encoded (the compact JSON-in-URL notation the console uses): `~(key~value~...)`
  for objects, `~(~item~item)` for arrays, `~'text` for strings where every character other than
  letters, digits, `_`, `.` and `-` is written `*hh` (or `**hhhh` above U+00FF), and `$` is `!`.
  Every character of that output is legal in a URL fragment (RFC 3986), so nothing more is escaped.
- Keys: `end`/`start` as ISO 8601 UTC with milliseconds, `timeType` `ABSOLUTE`, `tz` `UTC`,
  `editorString` (the query text) and `source` (the log group names or ARNs).

Absolute times are used (not "last 24h") so the link shows the same window the run covered, and
`tz` UTC matches trailq's own output. Partitions: China regions use console.amazonaws.cn and
GovCloud regions console.amazonaws-us-gov.com.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeAlias

from trailq.errors import UsageError
from trailq.result import Result
from trailq.timerange import TimeRange

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
_PLAIN = re.compile(r"[A-Za-z0-9_.\-]")

JsurlValue: TypeAlias = str | bool | int | float | None | list[Any] | dict[str, Any]


def jsurl(value: JsurlValue) -> str:
    """Encode a JSON-like value in JSURL notation."""
    if value is None:
        return "~null"
    if isinstance(value, bool):
        return "~true" if value else "~false"
    if isinstance(value, (int, float)):
        return f"~{value}"
    if isinstance(value, str):
        return "~'" + _jsurl_text(value)
    if isinstance(value, list):
        return "~(" + ("".join(jsurl(item) for item in value) or "~") + ")"
    if isinstance(value, dict):
        return "~(" + "~".join(_jsurl_text(str(k)) + jsurl(v) for k, v in value.items()) + ")"
    raise TypeError(f"cannot encode {type(value).__name__} in JSURL")


def _jsurl_text(text: str) -> str:
    out = []
    for ch in text:
        if _PLAIN.fullmatch(ch):
            out.append(ch)
        elif ch == "$":
            out.append("!")
        elif ord(ch) < 0x100:
            out.append(f"*{ord(ch):02x}")
        else:
            # JSURL works on UTF-16 code units: characters above U+FFFF become two escapes.
            units = ch.encode("utf-16-be")
            out.extend(f"**{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))
    return "".join(out)


def console_host(region: str) -> str:
    if region.startswith("cn-"):
        return "console.amazonaws.cn"
    if region.startswith("us-gov-"):
        return "console.amazonaws-us-gov.com"
    return f"{region}.console.aws.amazon.com"


def _iso_ms(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def console_url(region: str, query_text: str, log_groups: Iterable[str], time_range: TimeRange) -> str:
    """The Logs Insights console link for `query_text` over `log_groups` in `region`, for `time_range`."""
    if not region or not _REGION.fullmatch(region):
        raise UsageError(f"--console-url: {region!r} is not an AWS region name", hint="e.g. us-east-1")
    detail = {
        "end": _iso_ms(time_range.end),
        "start": _iso_ms(time_range.start),
        "timeType": "ABSOLUTE",
        "tz": "UTC",
        "editorString": query_text,
        "source": list(log_groups),
    }
    return (
        f"https://{console_host(region)}/cloudwatch/home?region={region}"
        f"#logsV2:logs-insights$3FqueryDetail$3D{jsurl(detail)}"
    )


@dataclass(frozen=True)
class ConsoleLink:
    query: str
    region: str
    url: str

    def line(self) -> str:
        return f"{self.query} · {self.region}: {self.url}"


def console_links(results: Iterable[Result], time_range: TimeRange) -> list[ConsoleLink]:
    """One link per query × region of a run (accounts in the same region share a link), in run order.

    Results without a region (local runs) have no console link and are skipped.
    """
    links: list[ConsoleLink] = []
    seen: set[tuple[str, str, str, tuple[str, ...]]] = set()
    for result in results:
        region = result.target.region
        if not region:
            continue
        key = (result.query, region, result.text, result.target.log_groups)
        if key in seen:
            continue
        seen.add(key)
        links.append(ConsoleLink(result.query, region, console_url(region, result.text, result.target.log_groups, time_range)))
    return links
