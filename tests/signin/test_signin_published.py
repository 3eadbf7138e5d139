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


def account(record: dict):
    """The account a record belongs to: where CloudTrail delivered it, else (2014-era records) the identity's."""
    return first(get(record, "recipientAccountId"), get(record, "userIdentity.accountId"))


def person(record: dict):
    """A person is a name within an account: root of two accounts is two people. None without a name."""
    name = who(record)
    return None if name is None else (account(record), name)


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


def bursts(records: list[dict], threshold: int = 5, window_ms: int = 300_000) -> dict[tuple, tuple[int, int, int]]:
    """(source IP, bin) → (failures, distinct accounts, distinct people) for bins at or over the threshold.

    The key is deliberately not per account: one address guessing in several accounts is one burst.
    """
    failed: dict[tuple, list[dict]] = {}
    for r in records:
        failed_login = console_login(r) and login_outcome(r) == "Failure"
        failed_check = signin(r, "CredentialVerification") and get(r, "serviceEventDetails.CredentialVerification") == "Failure"
        if failed_login or failed_check:
            ms = event_ms(r)
            failed.setdefault((get(r, "sourceIPAddress"), None if ms is None else ms // window_ms), []).append(r)
    return {key: (len(rs), distinct_present(account(r) for r in rs), distinct_present(person(r) for r in rs))
            for key, rs in failed.items() if len(rs) >= threshold}


def count_bursts(records: list[dict], threshold: int = 5, window_ms: int = 300_000) -> int:
    return len(bursts(records, threshold, window_ms))


def distinct_present(values: Iterable) -> int:
    """countDistinct: missing values are not counted."""
    return len({v for v in values if v is not None})


def summary_by_ip(records: list[dict]) -> dict:
    """source IP → (attempts, successes, failures, distinct accounts, distinct people)."""
    by_ip: dict = {}
    for r in records:
        if console_login(r):
            by_ip.setdefault(get(r, "sourceIPAddress"), []).append(r)
    return {ip: (len(rs), sum(login_outcome(r) == "Success" for r in rs), sum(login_outcome(r) == "Failure" for r in rs),
                 distinct_present(account(r) for r in rs), distinct_present(person(r) for r in rs))
            for ip, rs in by_ip.items()}


def summary_by_user(records: list[dict]) -> dict:
    """(who, identity type, account) → (attempts, successes, failures)."""
    counts: dict = {}
    for r in records:
        if console_login(r):
            key = (who(r), get(r, "userIdentity.type"), account(r))
            attempts, successes, failures = counts.get(key, (0, 0, 0))
            counts[key] = (attempts + 1, successes + (login_outcome(r) == "Success"), failures + (login_outcome(r) == "Failure"))
    return counts


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
        (who(r), get(r, "userIdentity.type"), account(r), get(r, "sourceIPAddress"), get(r, "errorMessage"))
        for r in rs if console_login(r) and login_outcome(r) == "Failure"),
    "console-logins-without-mfa": lambda rs: sum(1 for r in rs if without_mfa(r)),
    "root-activity": lambda rs: sum(1 for r in rs if root_activity(r)),
    "root-console-logins": lambda rs: sum(1 for r in rs if console_login(r) and get(r, "userIdentity.type") == "Root"),
    "switch-role": lambda rs: sum(1 for r in rs if signin(r, "SwitchRole")),
    "federated-console-logins": lambda rs: sum(1 for r in rs if federated(r)),
    "identity-center-signins": lambda rs: sum(1 for r in rs if signin(r, *IC_EVENTS)),
    "signin-events": count_signin_events,
    "login-summary-by-user": lambda rs: len(summary_by_user(rs)),
    "login-summary-by-ip": lambda rs: len(summary_by_ip(rs)),
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


# --- the per-account grouping, value by value (row counts alone would not show a merged person) ---

def _num(row: dict, column: str) -> int:
    return int(row.get(column, "0"))


def test_summary_by_user_keeps_same_named_people_of_different_accounts_apart(records):
    expected = summary_by_user(records)
    # the published records do hold same-named identities in several accounts (root above all)
    names = Counter(name for name, _kind, _acct in expected)
    assert names["root"] >= 3
    rows = run_builtin("login-summary-by-user", published_files()).rows
    got = {(row.get("who"), row.get("identityType"), row.get("account")):
           (_num(row, "attempts"), _num(row, "successes"), _num(row, "failures")) for row in rows}
    assert got == expected


def test_summary_by_ip_counts_accounts_and_people_without_merging_names(records):
    expected = summary_by_ip(records)
    assert any(accounts > 1 for *_, accounts, _people in expected.values())
    rows = run_builtin("login-summary-by-ip", published_files()).rows
    got = {row.get("sourceIPAddress"): tuple(_num(row, c) for c in ("attempts", "successes", "failures", "accounts", "people"))
           for row in rows}
    assert got == expected


@pytest.mark.parametrize(("threshold", "window", "window_ms"), [(1, "1d", 86_400_000), (2, "1h", 3_600_000)])
def test_bursts_count_accounts_and_people_per_ip(records, threshold, window, window_ms):
    expected = bursts(records, threshold, window_ms)
    assert expected
    rows = run_builtin("failed-login-bursts", published_files(), {"threshold": str(threshold), "window": window}).rows
    got = Counter((row.get("sourceIPAddress"), _num(row, "failures"), _num(row, "accounts"), _num(row, "people")) for row in rows)
    assert got == Counter((ip, *counts) for (ip, _bin), counts in expected.items())
