"""The second edition of the pack on project-written attacks and near-misses (fixtures/signin-attacks.json)."""

from __future__ import annotations

import pytest
from signin_attacks_expected import CASES
from signin_support import ATTACKS, UNTIMED, builtin, run_builtin

NEW_FINDINGS = ("cis-root-usage", "brute-force-success-by-ip", "brute-force-success-by-user", "password-guessing",
                "password-spraying", "multi-ip-console-logins", "signins-outside-allowed-networks",
                "signins-outside-working-hours", "credential-changes", "account-takeover-chain",
                "identity-center-signins-without-mfa", "suspicious-federation")


def rows_of(name: str, params: dict[str, str], source=ATTACKS) -> list[dict[str, str]]:
    result = run_builtin(name, [str(source)], params)
    assert result.ok, result.error
    assert result.warnings == []
    return [{k: v for k, v in row.items() if k != "@ptr"} for row in result.rows]


@pytest.mark.parametrize("case", sorted(CASES))
def test_expected_rows_on_the_attacks(case):
    params, expected = CASES[case]
    assert rows_of(case.split("[")[0], params) == expected


def test_every_new_query_is_a_check_with_a_severity_and_described_parameters():
    queries = builtin().queries
    for name in NEW_FINDINGS:
        query = queries[name]
        assert query.check is not None and query.check.max_rows == 0 and query.check.severity, name
        assert all(param.description for param in query.params.values()), name
    assert queries["root-activity"].params["known_ips"].default == ""


def test_every_new_query_catches_something_in_the_attacks():
    """No query in the second edition is only tested by an empty answer."""
    caught = {case.split("[")[0] for case, (_params, rows) in CASES.items() if rows}
    assert set(NEW_FINDINGS) <= caught


def test_console_root_action_is_root_activity_but_not_cis_root_usage():
    def names(query):
        return {row["eventName"] for row in rows_of(query, {})}
    assert "CreateAccessKey" in names("root-activity") and "CreateAccessKey" not in names("cis-root-usage")


def test_events_without_time_or_source_ip_are_in_no_burst():
    result = run_builtin("failed-login-bursts", [str(UNTIMED)], {"threshold": "1"})
    assert result.ok and result.rows == []
    assert result.warnings  # the untimed records are reported, not dropped silently


def test_a_duplicate_delivery_is_counted_once():
    failures = {(r.get("who"), r["sourceIPAddress"]): r["failures"] for r in rows_of("console-login-failures", {})}
    assert failures[("erin", "203.0.113.11")] == "4"  # G07-G10, G08 delivered twice
    by_ip = {r["sourceIPAddress"]: r for r in rows_of("login-summary-by-ip", {})}
    assert (by_ip["203.0.113.11"]["attempts"], by_ip["203.0.113.11"]["failures"]) == ("5", "4")


def test_a_sign_in_without_user_identity_is_one_person():
    by_ip = {r["sourceIPAddress"]: r for r in rows_of("login-summary-by-ip", {})}
    assert (by_ip["192.0.2.99"]["attempts"], by_ip["192.0.2.99"]["people"]) == ("1", "1")  # G84


def test_a_failure_with_only_the_cis_error_message_counts():
    dave = [r for r in rows_of("console-login-failures", {}) if r.get("who") == "dave"]
    assert [r["failures"] for r in dave] == ["5"]  # G03 has no responseElements


def test_every_column_of_the_new_queries_is_documented():
    from test_signin_queries import _documented_columns

    documented = _documented_columns()
    for case, (params, _rows) in CASES.items():
        result = run_builtin(case.split("[")[0], [str(ATTACKS)], params)
        assert {c for c in result.columns if c != "@ptr"} - documented == set(), case
