"""Line breaking of canonical text (layout.py): long commands are broken outermost structure
first, the text parses back to an equal AST, printing is idempotent, comments stay where
they were, and the built-in catalog is already in canonical form."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lang_support import catalog_queries, fixture_queries
from test_lang_properties import queries

from trailq.lang import format_query, parse, to_text
from trailq.lang.layout import WIDTH


def assert_stable(text: str, width: int, placeholders: bool = False) -> str:
    query = parse(text, placeholders=placeholders)
    printed = to_text(query, width=width)
    again = parse(printed, placeholders=placeholders)
    assert again == query, printed
    assert to_text(again, width=width) == printed, "layout is not idempotent"
    return printed


# -- the built-in catalog ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(catalog_queries()))
def test_catalog_file_is_canonical(name: str) -> None:
    """`trailq fmt --check insights/*.insights` passes: formatting changes nothing."""
    text = catalog_queries()[name]
    assert format_query(text, origin=name) == text


@pytest.mark.parametrize("name", sorted(catalog_queries()))
def test_catalog_lines_fit_the_width(name: str) -> None:
    long_lines = [line for line in catalog_queries()[name].splitlines() if len(line) > WIDTH]
    assert long_lines == []


# -- what the layout looks like ------------------------------------------------------------------

LONG_FIELDS = (
    'fields coalesce(userIdentity.userName, additionalEventData.UserName, userIdentity.onBehalfOf.userId) as who, '
    'eventName'
)


def test_short_commands_stay_on_one_line() -> None:
    text = 'filter a = 1 and b = 2\n| fields coalesce(a, b) as c\n| stats count(*) as n by c'
    assert to_text(parse(text)) == text


def test_long_call_breaks_one_argument_per_line() -> None:
    assert to_text(parse(LONG_FIELDS)) == (
        "fields coalesce(\n"
        "        userIdentity.userName,\n"
        "        additionalEventData.UserName,\n"
        "        userIdentity.onBehalfOf.userId) as who,\n"
        "    eventName"
    )


def test_case_keeps_condition_and_value_together() -> None:
    text = (
        'fields case(eventName = "ConsoleLogin", responseElements.ConsoleLogin, eventName = "CheckMfa", '
        'responseElements.CheckMfa, "(none)") as outcome'
    )
    assert to_text(parse(text)) == (
        "fields case(\n"
        '        eventName = "ConsoleLogin", responseElements.ConsoleLogin,\n'
        '        eventName = "CheckMfa", responseElements.CheckMfa,\n'
        '        "(none)") as outcome'
    )


def test_case_value_hangs_under_its_condition_when_the_pair_is_too_long() -> None:
    text = (
        'fields case(userIdentity.type = "AssumedRole", coalesce(sessionPath, '
        "userIdentity.sessionContext.sessionIssuer.userName), userIdentity.principalId) as who"
    )
    assert assert_stable(text, WIDTH) == (
        "fields case(\n"
        '        userIdentity.type = "AssumedRole",\n'
        "            coalesce(sessionPath, userIdentity.sessionContext.sessionIssuer.userName),\n"
        "        userIdentity.principalId) as who"
    )


def test_nested_chains_break_one_level_deeper() -> None:
    text = (
        'filter eventSource = "signin.amazonaws.com" and ((eventName = "ConsoleLogin" and '
        'responseElements.ConsoleLogin = "Failure") or (eventName = "CredentialVerification" and '
        'serviceEventDetails.CredentialVerification = "Failure"))'
    )
    assert to_text(parse(text)) == (
        'filter eventSource = "signin.amazonaws.com"\n'
        '    and ((eventName = "ConsoleLogin" and responseElements.ConsoleLogin = "Failure")\n'
        '        or (eventName = "CredentialVerification"\n'
        '            and serviceEventDetails.CredentialVerification = "Failure"))'
    )


def test_and_under_or_is_parenthesised_for_readers() -> None:
    query = parse("filter a = 1 and b = 2 or c = 3")
    assert to_text(query) == "filter (a = 1 and b = 2) or c = 3"
    assert parse(to_text(query)) == query


def test_single_argument_call_hugs_its_inner_call() -> None:
    text = "stats countDistinct(coalesce(userIdentity.userName, additionalEventData.UserName, userIdentity.arn)) as n"
    assert to_text(parse(text), width=60) == (
        "stats countDistinct(coalesce(\n"
        "        userIdentity.userName,\n"
        "        additionalEventData.UserName,\n"
        "        userIdentity.arn)) as n"
    )


def test_stats_puts_by_on_its_own_line() -> None:
    text = (
        "stats count(*) as failures, min(@timestamp) as firstSeen, max(@timestamp) as lastSeen "
        "by who, sourceIPAddress, errorMessage"
    )
    assert to_text(parse(text)) == (
        "stats count(*) as failures, min(@timestamp) as firstSeen, max(@timestamp) as lastSeen\n"
        "    by who, sourceIPAddress, errorMessage"
    )


def test_bare_field_lists_are_filled() -> None:
    text = (
        "display @timestamp, who, identityType, outcome, mfa, sourceIPAddress, awsRegion, account, "
        "endpoint, userAgent, errorMessage"
    )
    assert to_text(parse(text)) == (
        "display @timestamp, who, identityType, outcome, mfa, sourceIPAddress, awsRegion, account, endpoint,\n"
        "    userAgent, errorMessage"
    )


def test_long_in_list_is_filled() -> None:
    text = 'filter eventName in ["CredentialChallenge", "CredentialVerification", "UserAuthentication"]'
    assert assert_stable(text, 60) == (
        "filter eventName in [\n"
        '    "CredentialChallenge", "CredentialVerification",\n'
        '    "UserAuthentication"]'
    )


def test_a_single_long_token_may_overflow() -> None:
    long_string = '"' + "x" * 120 + '"'
    printed = assert_stable(f"filter a = {long_string} and b = 1", WIDTH)
    assert printed == f"filter a = {long_string}\n    and b = 1"


# -- comments ------------------------------------------------------------------------------------


def test_comments_between_items_stay_between_them() -> None:
    text = (
        "fields a as x,  # about x\n"
        "    # about y\n"
        "    b as y,\n"
        "    c as z  # about the command\n"
        "| sort x"
    )
    query = parse(text)
    x, y, z = query.commands[0].items
    assert x.trailing_comments == ("# about x",)
    assert y.comments == ("# about y",)
    assert query.commands[0].trailing_comments == ("# about the command",)
    assert format_query(text) == text + "\n"


def test_commented_short_list_is_still_broken() -> None:
    text = "fields a, # one\n b"
    assert format_query(text) == "fields a,  # one\n    b\n"
    assert format_query(format_query(text)) == format_query(text)


def test_comment_inside_an_expression_stays_with_the_command() -> None:
    text = "fields coalesce(a, # inside\n b) as c"
    out = format_query(text)
    assert out == "fields coalesce(a, b) as c  # inside\n"
    assert format_query(out) == out


def test_subquery_keeps_item_comments() -> None:
    text = "filter a in (fields b,\n # why c\n c)"
    out = format_query(text)
    assert "# why c" in out
    assert format_query(out) == out


# -- round trip at any width -------------------------------------------------------------------


@pytest.mark.parametrize("width", [30, 60])
def test_fixture_round_trips_at_narrow_widths(width: int) -> None:
    for text in fixture_queries():
        assert_stable(text, width)


@pytest.mark.parametrize("width", [30, 60])
def test_catalog_round_trips_at_narrow_widths(width: int) -> None:
    for text in catalog_queries().values():
        assert_stable(text, width, placeholders=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries(), st.integers(10, 80))
def test_generated_asts_round_trip_at_any_width(query, width: int) -> None:  # type: ignore[no-untyped-def]
    text = to_text(query, width=width)
    assert parse(text) == query, text
    assert to_text(parse(text), width=width) == text
