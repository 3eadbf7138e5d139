"""Every built-in query over the published CloudTrail records (../shared/fixtures/cloudtrail):
its row count must equal a count computed here, independently, in plain Python.

The counters below restate each query's meaning over raw records; they share no code with the
engine or the query text. Skipped when the shared folder is absent (a fresh clone).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

import pytest
from signin_support import BUILTIN_NAMES, PUBLISHED, run_builtin

pytestmark = pytest.mark.skipif(not PUBLISHED.is_dir(), reason="../shared/fixtures/cloudtrail is not present")

SESSION_ARN = re.compile(r":(?:assumed-role|federated-user)/(.+)$")
IC_EVENTS = ("CredentialChallenge", "CredentialVerification", "UserAuthentication")
KNOWN_EVENTS = ("ConsoleLogin", "CheckMfa", "PasswordUpdated", "SwitchRole", "GetSigninToken", "ExternalIdPDirectoryLogin",
                "ExitRole", "RenewRole", *IC_EVENTS)


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


def unidentified_person(record: dict):
    """A person for counting: a record with no name at all is the account's one "(unidentified)" person."""
    return (account(record) or "", first(who(record), "(unidentified)"))


def signin(record: dict, *names: str) -> bool:
    return get(record, "eventSource") == "signin.amazonaws.com" and (not names or get(record, "eventName") in names)


def console_login(record: dict) -> bool:
    return signin(record, "ConsoleLogin")


def login_outcome(record: dict):
    return get(record, "responseElements.ConsoleLogin")


def failed_login(record: dict) -> bool:
    """A failed console sign-in: either the response says so or the CIS key (errorMessage) does."""
    return console_login(record) and (login_outcome(record) == "Failure" or get(record, "errorMessage") == "Failed authentication")


def successful_login(record: dict) -> bool:
    return console_login(record) and not failed_login(record) and login_outcome(record) == "Success"


def event_key(record: dict):
    """One event, however often it was delivered: its eventID (with its time, so that placeholder ids
    such as "1" in third-party test data do not merge different events); a record without an id is
    its own content."""
    if get(record, "eventID") is not None:
        return (get(record, "eventID"), get(record, "eventTime"))
    return json.dumps(record, sort_keys=True)


def once(records: Iterable[dict], attributes: Callable[[dict], tuple]) -> list[tuple]:
    """(attributes…) of each distinct event: duplicates of one event with the same attributes count once."""
    seen: dict = {}
    for r in records:
        seen.setdefault((event_key(r), attributes(r)), attributes(r))
    return list(seen.values())


def once_with_outcome(records: Iterable[dict], attributes: Callable[[dict], tuple]) -> list[tuple]:
    """(attributes…, succeeded, failed) per distinct event; an event counts as succeeded (failed) when any
    delivery of it says so."""
    seen: dict = {}
    for r in records:
        key = (event_key(r), attributes(r))
        ok, failed = seen.get(key, (False, False))
        seen[key] = (ok or successful_login(r), failed or failed_login(r))
    return [(*attrs, ok, failed) for (_key, attrs), (ok, failed) in seen.items()]


def in_list(value, comma_list: str) -> bool:
    return value is not None and value in [item.strip() for item in comma_list.split(",") if item.strip()]


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


def generic_outcome(r: dict):
    """The first Success/Failure value inside responseElements, else serviceEventDetails, that comes
    before any nested object (the query reads the record's text and does not step over braces)."""
    for place in ("responseElements", "serviceEventDetails"):
        value = r.get(place)
        if not isinstance(value, dict):
            continue
        for inner, text in value.items():
            if isinstance(text, (dict, list)) and "{" in json.dumps(text):
                break
            if re.fullmatch(r"\w+", inner) and text in ("Success", "Failure"):
                return text
    return None


def signin_outcome(r: dict):
    name = get(r, "eventName")
    place = "serviceEventDetails" if name in IC_EVENTS else "responseElements"
    known = get(r, f"{place}.{name}") if name in KNOWN_EVENTS else None
    if name == "ConsoleLogin" and known is None and get(r, "errorMessage") == "Failed authentication":
        known = "Failure"
    return first(known, generic_outcome(r), get(r, "errorCode"), "(none)")


def count_signin_events(records: list[dict]) -> int:
    return distinct((get(r, "eventName"), signin_outcome(r)) for r in records if signin(r))


def bursts(records: list[dict], threshold: int = 5, window_ms: int = 300_000) -> dict[tuple, tuple[int, int, int]]:
    """(source IP, bin) → (failures, distinct accounts, distinct people) for bins at or over the threshold.

    The key is deliberately not per account: one address guessing in several accounts is one burst.
    """
    def failed(r: dict) -> bool:
        failed_check = signin(r, "CredentialVerification") and get(r, "serviceEventDetails.CredentialVerification") == "Failure"
        return (failed_login(r) or failed_check) and get(r, "sourceIPAddress") is not None and event_ms(r) is not None

    groups: dict[tuple, list[tuple]] = {}
    for ip, window, acct, who_ in once((r for r in records if failed(r)), lambda r: (
            get(r, "sourceIPAddress"), event_ms(r) // window_ms, account(r), unidentified_person(r))):
        groups.setdefault((ip, window), []).append((acct, who_))
    return {key: (len(rows), distinct_present(a for a, _ in rows), distinct_present(p for _, p in rows))
            for key, rows in groups.items() if len(rows) >= threshold}


def count_bursts(records: list[dict], threshold: int = 5, window_ms: int = 300_000) -> int:
    return len(bursts(records, threshold, window_ms))


def distinct_present(values: Iterable) -> int:
    """countDistinct: missing values are not counted."""
    return len({v for v in values if v is not None})


def summary_by_ip(records: list[dict]) -> dict:
    """source IP → (attempts, successes, failures, distinct accounts, distinct people)."""
    by_ip: dict = {}
    for ip, acct, who_, ok, failed in once_with_outcome((r for r in records if console_login(r)), lambda r: (
            get(r, "sourceIPAddress"), account(r), unidentified_person(r))):
        by_ip.setdefault(ip, []).append((acct, who_, ok, failed))
    return {ip: (len(rows), sum(ok for *_, ok, _f in rows), sum(f for *_, f in rows),
                 distinct_present(a for a, *_ in rows), distinct_present(p for _a, p, *_ in rows))
            for ip, rows in by_ip.items()}


def summary_by_user(records: list[dict]) -> dict:
    """(who, identity type, account) → (attempts, successes, failures)."""
    counts: dict = {}
    for name, kind, acct, _ip, _region, ok, failed in once_with_outcome((r for r in records if console_login(r)), lambda r: (
            who(r), get(r, "userIdentity.type"), account(r), get(r, "sourceIPAddress"), get(r, "awsRegion"))):
        attempts, successes, failures = counts.get((name, kind, acct), (0, 0, 0))
        counts[(name, kind, acct)] = (attempts + 1, successes + ok, failures + failed)
    return counts


def without_mfa(r: dict) -> bool:
    return (console_login(r) and login_outcome(r) == "Success"
            and get(r, "userIdentity.type") in ("IAMUser", "Root")
            and lower(get(r, "additionalEventData.MFAUsed")) != "yes")


def cis_root_usage(r: dict) -> bool:
    return (get(r, "userIdentity.type") == "Root" and get(r, "userIdentity.invokedBy") is None
            and get(r, "eventType") != "AwsServiceEvent")


def root_activity(r: dict) -> bool:
    """Root, unless an AWS service acted for it (invokedBy a service other than the console) or a service event."""
    invoker = get(r, "userIdentity.invokedBy")
    by_service = invoker == "AWS Internal" or (
        isinstance(invoker, str) and invoker.endswith(".amazonaws.com") and invoker != "signin.amazonaws.com")
    return get(r, "userIdentity.type") == "Root" and not by_service and get(r, "eventType") != "AwsServiceEvent"


def federated(r: dict) -> bool:
    return signin(r, "GetSigninToken") or (console_login(r) and get(r, "userIdentity.type") in ("AssumedRole", "FederatedUser"))


# --- the second edition's detections, restated over raw records (default parameters) ------------

HOUR_MS = 3_600_000
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
NOT_SET = None


def hour_bin(r: dict):
    ms = event_ms(r)
    return None if ms is None else ms // HOUR_MS


def brute_force_success(records: list[dict], by_person: bool, threshold: int = 5, window_ms: int = HOUR_MS) -> int:
    """Groups with >= threshold failures and a success later than the first failure, in one hour bin."""
    groups: dict = {}
    for r in records:
        if not console_login(r) or (not by_person and get(r, "sourceIPAddress") is None):
            continue
        if by_person and (who(r) is None or who(r) == HIDDEN):
            continue
        ms = event_ms(r)
        window = None if ms is None else ms // window_ms
        key = (who(r), account(r), window) if by_person else (get(r, "sourceIPAddress"), window)
        groups.setdefault(key, []).append(r)
    found = 0
    for rs in groups.values():
        events = {event_key(r): r for r in rs}.values()
        failed = [event_ms(r) for r in events if failed_login(r)]
        succeeded = [event_ms(r) for r in events if successful_login(r)]
        failed_ms = [ms for ms in failed if ms is not None]
        succeeded_ms = [ms for ms in succeeded if ms is not None]
        if len(failed) >= threshold and succeeded and failed_ms and succeeded_ms and max(succeeded_ms) > min(failed_ms):
            found += 1
    return found


def password_guessing(records: list[dict], threshold: int = 10, root_threshold: int = 5) -> int:
    groups: dict = {}
    for r in records:
        if failed_login(r) and who(r) is not None and who(r) != HIDDEN:
            groups.setdefault((who(r), get(r, "userIdentity.type"), account(r), hour_bin(r)), set()).add(
                (event_key(r), get(r, "sourceIPAddress")))
    return sum(1 for (_w, kind, _a, _b), events in groups.items()
               if len(events) >= (root_threshold if kind == "Root" else threshold))


def password_spraying(records: list[dict], min_people: int = 5) -> int:
    groups: dict = {}
    for r in records:
        if failed_login(r) and get(r, "sourceIPAddress") is not None:
            groups.setdefault((get(r, "sourceIPAddress"), account(r), get(r, "awsRegion"), hour_bin(r)), set()).add(who(r))
    return sum(1 for people in groups.values() if len({p for p in people if p is not None}) >= min_people)


def multi_ip(records: list[dict], min_ips: int = 2) -> int:
    groups: dict = {}
    for r in records:
        if console_login(r) and login_outcome(r) == "Success" and get(r, "sourceIPAddress") is not None:
            groups.setdefault((who(r), get(r, "userIdentity.type"), account(r), hour_bin(r)), set()).add(get(r, "sourceIPAddress"))
    return sum(1 for ips in groups.values() if len(ips) >= min_ips)


def local_time(r: dict, offset_hours: float = 0):
    ms = event_ms(r)
    if ms is None:
        return None
    local = datetime.fromtimestamp(ms / 1000, tz=timezone.utc) + timedelta(hours=offset_hours)
    return local.strftime("%a"), local.hour


def outside_hours(r: dict, start: int = 7, end: int = 19, days: str = "Mon,Tue,Wed,Thu,Fri", offset: float = 0) -> bool:
    if not (console_login(r) and login_outcome(r) == "Success"):
        return False
    when = local_time(r, offset)
    if when is None:  # no time: neither inside nor outside; the query's arithmetic gives null and keeps it
        return True
    day, hour = when
    return not (day in days.split(",") and start <= hour < end)


def outside_networks(r: dict, networks: list[str]) -> bool:
    if not (console_login(r) and login_outcome(r) == "Success"):
        return False
    try:
        address = ipaddress.ip_address(str(get(r, "sourceIPAddress")))
    except ValueError:
        return True
    return not any(address.version == n.version and address in n for n in map(ipaddress.ip_network, networks))


CREDENTIAL_EVENTS = {
    "iam.amazonaws.com": ("ChangePassword", "CreateLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile",
                          "CreateVirtualMFADevice", "EnableMFADevice", "DeactivateMFADevice", "DeleteVirtualMFADevice",
                          "ResyncMFADevice", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey",
                          "UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"),
    "signin.amazonaws.com": ("PasswordUpdated", "PasswordRecoveryRequested", "PasswordRecoveryCompleted"),
}
TAKEOVER_CHANGES = ("ChangePassword", "CreateLoginProfile", "UpdateLoginProfile", "CreateVirtualMFADevice",
                    "EnableMFADevice", "DeactivateMFADevice", "DeleteVirtualMFADevice", "ResyncMFADevice")


def credential_change(r: dict) -> bool:
    return get(r, "eventName") in CREDENTIAL_EVENTS.get(get(r, "eventSource"), ())


def takeover_chains(records: list[dict]) -> int:
    """Per (target person, hour bin): a sign-in after a credential change, or a key created after a sign-in."""
    steps: dict = {}
    for r in records:
        name, source = get(r, "eventName"), get(r, "eventSource")
        if successful_login(r):
            step, subject = "sign-in", who(r)
        elif source == "signin.amazonaws.com" and name in ("PasswordUpdated", "PasswordRecoveryCompleted") and (
                first(get(r, "responseElements.PasswordUpdated"), get(r, "responseElements.PasswordRecoveryCompleted")) == "Success"):
            step, subject = "credential", who(r)
        elif source == "iam.amazonaws.com" and name in (*TAKEOVER_CHANGES, "CreateAccessKey") and get(r, "errorCode") is None:
            target = get(r, "requestParameters.userName")
            step = "access-key" if name == "CreateAccessKey" else "credential"
            subject = "root" if target == "AWS ROOT USER" else first(target, who(r))
        else:
            continue
        ms = event_ms(r)
        if ms is not None:
            steps.setdefault((subject, account(r), ms // HOUR_MS), []).append((step, ms))
    found = 0
    for events in steps.values():
        times = {kind: [ms for step, ms in events if step == kind] for kind in ("credential", "sign-in", "access-key")}
        change_then_login = times["credential"] and times["sign-in"] and max(times["sign-in"]) > min(times["credential"])
        login_then_key = times["sign-in"] and times["access-key"] and max(times["access-key"]) > min(times["sign-in"])
        found += bool(change_then_login or login_then_key)
    return found


def ic_without_mfa(r: dict) -> bool:
    if not signin(r, "UserAuthentication") or get(r, "serviceEventDetails.UserAuthentication") == "Failure":
        return False
    factors = get(r, "additionalEventData.CredentialType")
    return factors is None or not str(factors).replace("PASSWORD", "").replace(",", "").strip()


def suspicious_federation(r: dict) -> bool:
    kind = get(r, "userIdentity.type")
    arn = get(r, "userIdentity.arn")
    session = re.search(r":assumed-role/[^/]+/([^/]+)$", arn) if isinstance(arn, str) else None
    instance_session = bool(session and re.fullmatch(r"i-[0-9a-f]{8,17}", session.group(1)))
    if signin(r, "GetSigninToken") and instance_session and kind in ("AssumedRole", "FederatedUser"):
        return True
    if signin(r, "GetSigninToken"):
        agent = get(r, "userAgent")
        role = re.search(r":assumed-role/([^/]+)/[^/]+$", arn) if isinstance(arn, str) else None
        role_name = role.group(1) if role else get(r, "userIdentity.sessionContext.sessionIssuer.userName")
        portal = isinstance(agent, str) and (re.match(r"(?:Mozilla|Jersey)/", agent) is not None or (
            agent.startswith("Go-http-client/") and isinstance(role_name, str) and role_name.startswith("AWSReservedSSO_")))
        return not portal
    if console_login(r) and kind in ("AssumedRole", "FederatedUser"):
        return instance_session or kind == "FederatedUser"
    return False


COUNTERS: dict[str, Callable[[list[dict]], int]] = {
    "console-logins": lambda rs: sum(1 for r in rs if console_login(r)),
    "console-login-failures": lambda rs: distinct(
        (who(r), get(r, "userIdentity.type"), account(r), get(r, "sourceIPAddress"), get(r, "errorMessage"))
        for r in rs if failed_login(r)),
    "console-logins-without-mfa": lambda rs: sum(1 for r in rs if without_mfa(r)),
    "root-activity": lambda rs: sum(1 for r in rs if root_activity(r)),
    "cis-root-usage": lambda rs: sum(1 for r in rs if cis_root_usage(r)),
    "root-console-logins": lambda rs: sum(1 for r in rs if console_login(r) and get(r, "userIdentity.type") == "Root"),
    "switch-role": lambda rs: sum(1 for r in rs if signin(r, "SwitchRole")),
    "federated-console-logins": lambda rs: sum(1 for r in rs if federated(r)),
    "identity-center-signins": lambda rs: sum(1 for r in rs if signin(r, *IC_EVENTS)),
    "signin-events": count_signin_events,
    "login-summary-by-user": lambda rs: len(summary_by_user(rs)),
    "login-summary-by-ip": lambda rs: len(summary_by_ip(rs)),
    "console-login-regions": lambda rs: distinct(get(r, "awsRegion") for r in rs if console_login(r)),
    "failed-login-bursts": count_bursts,
    "brute-force-success-by-ip": lambda rs: brute_force_success(rs, by_person=False),
    "brute-force-success-by-user": lambda rs: brute_force_success(rs, by_person=True),
    "password-guessing": password_guessing,
    "password-spraying": password_spraying,
    "multi-ip-console-logins": multi_ip,
    "signins-outside-allowed-networks": lambda rs: 0,  # empty allowed_networks (the default) = no check
    "signins-outside-working-hours": lambda rs: sum(1 for r in rs if outside_hours(r)),
    "credential-changes": lambda rs: sum(1 for r in rs if credential_change(r)),
    "account-takeover-chain": takeover_chains,
    "identity-center-signins-without-mfa": lambda rs: sum(1 for r in rs if ic_without_mfa(r)),
    "suspicious-federation": lambda rs: sum(1 for r in rs if suspicious_federation(r)),
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
        ("signins-outside-allowed-networks", {"allowed_networks": "10.0.0.0/8, 192.168.0.0/16"},
         lambda rs: sum(1 for r in rs if outside_networks(r, ["10.0.0.0/8", "192.168.0.0/16"]))),
        ("signins-outside-working-hours", {"workday_start": "9", "workday_end": "17", "weekdays": "Mon,Tue,Wed",
                                           "utc_offset": "-5"},
         lambda rs: sum(1 for r in rs if outside_hours(r, 9, 17, "Mon,Tue,Wed", -5))),
        ("password-guessing", {"threshold": "2", "root_threshold": "1"}, lambda rs: password_guessing(rs, 2, 1)),
        ("password-spraying", {"min_people": "2"}, lambda rs: password_spraying(rs, 2)),
    ],
    ids=["bursts-2-per-hour", "bursts-1-per-day", "console-logins-root", "outside-networks", "outside-hours",
         "guessing-low", "spraying-low"],
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
