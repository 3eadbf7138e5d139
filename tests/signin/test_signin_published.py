"""Every built-in query over the published CloudTrail records (../shared/fixtures/cloudtrail):
its row count must equal a count computed here, independently, in plain Python.

The counters below restate each query's meaning over raw records; they share no code with the
engine or the query text. Skipped when the shared folder is absent (a fresh clone).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

import pytest

from signin_support import BUILTIN_NAMES, PUBLISHED, run_builtin

pytestmark = pytest.mark.skipif(not PUBLISHED.is_dir(), reason="../shared/fixtures/cloudtrail is not present")

SESSION_ARN = re.compile(r":(?:assumed-role|federated-user)/(.+)$")
IC_EVENTS = ("CredentialChallenge", "CredentialVerification", "UserAuthentication")


def published_files() -> list[str]:
    return sorted(str(p) for p in PUBLISHED.glob("*.json"))


def load_records() -> list[dict]:
    records: list[dict] = []
    for path in published_files():
        with open(path, encoding="utf-8") as fh:
            records.extend(json.load(fh))
    return records


# --- plain-Python reading of a record (JSON null and objects are "no value", as in Logs Insights) ----

def get(record: dict, path: str):
    node: object = record
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if node is None or isinstance(node, (dict, list)):
        return None
    if isinstance(node, bool):
        return "true" if node else "false"
    return node


def first(*values):
    return next((v for v in values if v is not None), None)


def lower(value):
    return value.lower() if isinstance(value, str) else None


def who(record: dict):
    kind = get(record, "userIdentity.type")
    arn = get(record, "userIdentity.arn")
    match = SESSION_ARN.search(arn) if isinstance(arn, str) else None
    session = match.group(1) if match else None
    if kind == "Root":
        return "root"
    if kind == "AssumedRole":
        return first(session, get(record, "userIdentity.sessionContext.sessionIssuer.userName"), get(record, "userIdentity.principalId"))
    if kind == "FederatedUser":
        return first(session, get(record, "userIdentity.principalId"))
    if kind == "IdentityCenterUser":
        return first(get(record, "additionalEventData.UserName"), get(record, "userIdentity.onBehalfOf.userId"))
    return first(get(record, "userIdentity.userName"), get(record, "additionalEventData.UserName"), get(record, "userIdentity.principalId"))


def signin(record: dict, *names: str) -> bool:
    return get(record, "eventSource") == "signin.amazonaws.com" and (not names or get(record, "eventName") in names)


def console_login(record: dict) -> bool:
    return signin(record, "ConsoleLogin")


def login_outcome(record: dict):
    return get(record, "responseElements.ConsoleLogin")


def event_ms(record: dict) -> int | None:
    """eventTime to epoch ms, accepting the ISO forms the published records use; None when unusable."""
    text = record.get("eventTime")
    if not isinstance(text, str):
        return None
    match = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?Z?", text.strip())
    if not match:
        return None
    y, mo, d, h, mi, s = (int(g) for g in match.groups()[:6])
    fraction = float(match.group(7) or 0)
    return int(datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc).timestamp() * 1000 + round(fraction * 1000))


# --- one independent row count per query -------------------------------------------------------

def distinct(keys: Iterable) -> int:
    return len(set(keys))


def count_signin_events(records: list[dict]) -> int:
    def outcome(r: dict):
        name = get(r, "eventName")
        place = "serviceEventDetails" if name in IC_EVENTS else "responseElements"
        return first(get(r, f"{place}.{name}") if isinstance(name, str) else None, get(r, "errorCode"), "(none)")
    return distinct((get(r, "eventName"), outcome(r)) for r in records if signin(r))


def count_bursts(records: list[dict], threshold: int = 5, window_ms: int = 300_000) -> int:
    failures = Counter()
    for r in records:
        failed_login = console_login(r) and login_outcome(r) == "Failure"
        failed_check = signin(r, "CredentialVerification") and get(r, "serviceEventDetails.CredentialVerification") == "Failure"
        if failed_login or failed_check:
            ms = event_ms(r)
            failures[(get(r, "sourceIPAddress"), None if ms is None else ms // window_ms)] += 1
    return sum(1 for n in failures.values() if n >= threshold)


def without_mfa(r: dict) -> bool:
    return (console_login(r) and login_outcome(r) == "Success"
            and get(r, "userIdentity.type") in ("IAMUser", "Root")
            and lower(get(r, "additionalEventData.MFAUsed")) != "yes")


def root_activity(r: dict) -> bool:
    return (get(r, "userIdentity.type") == "Root" and get(r, "userIdentity.invokedBy") is None
            and get(r, "eventType") != "AwsServiceEvent")


def federated(r: dict) -> bool:
    return signin(r, "GetSigninToken") or (console_login(r) and get(r, "userIdentity.type") in ("AssumedRole", "FederatedUser"))


COUNTERS: dict[str, Callable[[list[dict]], int]] = {
    "console-logins": lambda rs: sum(1 for r in rs if console_login(r)),
    "console-login-failures": lambda rs: distinct(
        (who(r), get(r, "userIdentity.type"), get(r, "sourceIPAddress"), get(r, "errorMessage"))
        for r in rs if console_login(r) and login_outcome(r) == "Failure"),
    "console-logins-without-mfa": lambda rs: sum(1 for r in rs if without_mfa(r)),
    "root-activity": lambda rs: sum(1 for r in rs if root_activity(r)),
    "root-console-logins": lambda rs: sum(1 for r in rs if console_login(r) and get(r, "userIdentity.type") == "Root"),
    "switch-role": lambda rs: sum(1 for r in rs if signin(r, "SwitchRole")),
    "federated-console-logins": lambda rs: sum(1 for r in rs if federated(r)),
    "identity-center-signins": lambda rs: sum(1 for r in rs if signin(r, *IC_EVENTS)),
    "signin-events": count_signin_events,
    "login-summary-by-user": lambda rs: distinct((who(r), get(r, "userIdentity.type")) for r in rs if console_login(r)),
    "login-summary-by-ip": lambda rs: distinct(get(r, "sourceIPAddress") for r in rs if console_login(r)),
    "console-login-regions": lambda rs: distinct(get(r, "awsRegion") for r in rs if console_login(r)),
    "failed-login-bursts": count_bursts,
}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return load_records()


def test_every_builtin_query_has_an_independent_counter():
    assert set(COUNTERS) == set(BUILTIN_NAMES)


def test_the_published_records_contain_the_shapes_the_pack_is_for(records):
    counts = Counter(get(r, "eventName") for r in records if signin(r))
    assert counts["ConsoleLogin"] >= 60 and counts["GetSigninToken"] >= 10
    assert all(counts[name] for name in IC_EVENTS)
    assert COUNTERS["console-logins-without-mfa"](records) > 0


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_row_count_matches_plain_python(name, records):
    result = run_builtin(name, published_files())
    assert result.ok, result.error
    assert len(result.rows) == COUNTERS[name](records), name


@pytest.mark.parametrize(
    ("name", "params", "counter"),
    [
        ("failed-login-bursts", {"threshold": "2", "window": "1h"}, lambda rs: count_bursts(rs, 2, 3_600_000)),
        ("failed-login-bursts", {"threshold": "1", "window": "1d"}, lambda rs: count_bursts(rs, 1, 86_400_000)),
        ("console-logins", {"user": "root"}, lambda rs: sum(1 for r in rs if console_login(r) and who(r) == "root")),
    ],
    ids=["bursts-2-per-hour", "bursts-1-per-day", "console-logins-root"],
)
def test_row_count_with_parameters_matches_plain_python(name, params, counter, records):
    expected = counter(records)
    assert expected > 0  # the case must exercise the query, not compare two zeros
    result = run_builtin(name, published_files(), params)
    assert len(result.rows) == expected
