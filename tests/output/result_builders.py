"""Results built by hand for the output tests (both backends produce the same type)."""

from __future__ import annotations

from trailq.result import FAILED, Result, Statistics, Target

ACCOUNT = "012345678901"  # leading zero: must never be reformatted as a number


def logins(region: str = "us-east-1", rows: list[dict[str, str]] | None = None, query: str = "console-logins") -> Result:
    default_rows = [
        {"@timestamp": "2026-11-20 08:00:00.000", "user": "alice", "sourceIPAddress": "198.51.100.7",
         "mfa": "Yes", "@ptr": "CmAKJwojMDEyMzQ1Njc4OTAxOkNsb3VkVHJhaWwvRGVmYXVsdBAHEjUaGAIGY"},
        {"@timestamp": "2026-11-20 08:15:30.250", "user": "bob, \"the admin\"", "sourceIPAddress": "203.0.113.9",
         "@ptr": "CmAKJwojMDEyMzQ1Njc4OTAxOkNsb3VkVHJhaWwvRGVmYXVsdBAHEjUaGAIGZ"},  # mfa missing: null
    ]
    return Result(
        query=query,
        target=Target(ACCOUNT, region, ("CloudTrail/DefaultLogGroup",)),
        columns=["@timestamp", "user", "sourceIPAddress", "mfa", "@ptr"],
        rows=default_rows if rows is None else rows,
        statistics=Statistics(records_matched=2, records_scanned=1500, bytes_scanned=2 * 1024**2, elapsed_seconds=1.25),
        text="fields @timestamp, user",
    )


def empty(region: str = "eu-north-1", query: str = "root-activity") -> Result:
    return Result(query=query, target=Target(ACCOUNT, region), columns=["@timestamp", "eventName"], rows=[])


def failed(region: str = "ap-southeast-2", query: str = "console-logins") -> Result:
    return Result(query=query, target=Target(ACCOUNT, region), status=FAILED, error="AccessDeniedException: not authorized")
