"""Conformance with the Logs Insights documentation pages, one test per statement checked.

Each test is named after the page and section whose statement it pins (operations-functions =
"Boolean, comparison, numeric, datetime, and other functions"; the others are the command pages).
The records are written here; the expected values are the ones the page states, or follow from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_support import jsonl, run, write

EVENT_TIME = "2024-05-01T10:17:42.250Z"  # 1714558662250 ms


def rows_of(tmp_path: Path, records: list[dict], query: str) -> list[dict[str, str]]:
    source = write(tmp_path / "events.jsonl", jsonl(records))
    return [{k: v for k, v in row.items() if k != "@ptr"} for row in run([source], query).rows]


def one_row(tmp_path: Path, record: dict, query: str) -> dict[str, str]:
    rows = rows_of(tmp_path, [{"eventTime": EVENT_TIME, **record}], query)
    assert len(rows) == 1, rows
    return rows[0]


# --- operations-functions, "Structure types" ----------------------------------------------------


def test_structure_types_backquoted_key_with_a_dot_is_one_map_key(tmp_path: Path) -> None:
    # "If an attribute in a map contains special characters, use backticks": json_message.`user.id`
    doc = '{"user.id": "123", "user": {"id": "nested"}, "status_code": 200}'
    rows = rows_of(
        tmp_path,
        [{"eventTime": EVENT_TIME, "eventName": "A", "doc": doc}, {"eventTime": EVENT_TIME, "eventName": "B", "doc": "{}"}],
        'fields jsonParse(doc) as j | filter j.`user.id` = "123" | display eventName, j.`user.id`, j.user.id',
    )
    assert rows == [{"eventName": "A", "j.user.id": "123"}]


def test_structure_types_backquoted_key_in_stats_and_dedup(tmp_path: Path) -> None:
    records = [
        {"eventTime": EVENT_TIME, "doc": '{"user.id": "u1"}'},
        {"eventTime": EVENT_TIME, "doc": '{"user.id": "u1"}'},
        {"eventTime": EVENT_TIME, "doc": '{"user.id": "u2"}'},
    ]
    counted = rows_of(tmp_path, records, "fields jsonParse(doc) as j | stats count(*) as n by j.`user.id`")
    assert counted == [{"j.user.id": "u1", "n": "2"}, {"j.user.id": "u2", "n": "1"}]
    kept = rows_of(tmp_path, records, "fields doc, jsonParse(doc) as j | dedup j.`user.id`")
    assert sorted(row["doc"] for row in kept) == ['{"user.id": "u1"}', '{"user.id": "u2"}']


def test_structure_types_list_index_and_map_in_string_function(tmp_path: Path) -> None:
    doc = '{"users": [{"action": "GetData"}, {"action": "PutData"}]}'
    query = 'fields jsonParse(doc) as j | filter j.users[1].action = "PutData" | display j.users[1].action, toupper(j)'
    row = one_row(tmp_path, {"doc": doc}, query)
    # "Maps and lists are treated as null for string, number, and datetime functions."
    assert row == {"j.users[1].action": "PutData"}


# --- operations-functions, "Datetime functions" -------------------------------------------------


def test_datetime_tomillis_converts_an_iso_timestamp_with_its_offset(tmp_path: Path) -> None:
    # The page converts the timestamp 2022-01-14T13:18:031.000-08:00 to 1642195111000.
    row = one_row(
        tmp_path,
        {"written": "2022-01-14T13:18:31.000-08:00"},
        'fields toMillis("2022-01-14T13:18:031.000-08:00") as page, toMillis(written) as field, toMillis(eventTime) as et,'
        " toMillis(@timestamp) as ts | display page, field, et, ts",
    )
    assert row == {"page": "1642195111000", "field": "1642195111000", "et": "1714558662250", "ts": "1714558662250"}


def test_datetime_tomillis_of_text_that_is_no_time_is_null(tmp_path: Path) -> None:
    query = "fields toMillis(bad) as a, toMillis(word) as b, 1 as c | display a, b, c"
    row = one_row(tmp_path, {"bad": "2022-13-01T00:00:00Z", "word": "yesterday"}, query)
    assert row == {"c": "1"}


def test_datetime_datefloor_and_formatdate_take_a_time_written_as_text(tmp_path: Path) -> None:
    row = one_row(
        tmp_path,
        {},
        'fields datefloor(eventTime, 1h) as a, dateceil(eventTime, 1h) as b, formatDate(eventTime, "%Y-%m-%d %H:%M") as c'
        " | display a, b, c",
    )
    assert row == {"a": "2024-05-01 10:00:00.000", "b": "2024-05-01 11:00:00.000", "c": "2024-05-01 10:17"}


def test_datetime_formatdate_timezone_argument(tmp_path: Path) -> None:
    # formatDate(timestamp, format [, timezone]): "specifies the time zone for formatting".
    row = one_row(
        tmp_path,
        {},
        'fields formatDate(@timestamp, "%Y-%m-%d", "UTC") as utc, formatDate(@timestamp, "%H:%M", "Asia/Tokyo") as tokyo,'
        ' formatDate(@timestamp, "%H:%M", "America/New_York") as ny, formatDate(@timestamp, "%H:%M", "+05:30") as offset,'
        ' strftime(@timestamp, "%H:%M", "-0800") as alias, formatDate(@timestamp, "%H", "Mars/Olympus") as unknown'
        " | display utc, tokyo, ny, offset, alias, unknown",
    )
    # Tokyo is UTC+9; New York is on daylight saving time (UTC-4) on 1 May; an unknown zone is null.
    assert row == {"utc": "2024-05-01", "tokyo": "19:17", "ny": "06:17", "offset": "15:47", "alias": "02:17"}


def test_datetime_parsedate_timezone_argument(tmp_path: Path) -> None:
    # parseDate(field, Java pattern [, timezone]) → epoch ms; the page's example: parseDate(field, "yyyy-MM-dd", "UTC").
    row = one_row(
        tmp_path,
        {"day": "2024-05-01", "winter": "2024-01-15 09:30"},
        'fields parseDate(day, "yyyy-MM-dd", "UTC") as utc, parseDate(day, "yyyy-MM-dd") as plain,'
        ' parseDate(day, "yyyy-MM-dd", "America/New_York") as ny_summer,'
        ' parseDate(winter, "yyyy-MM-dd HH:mm", "America/New_York") as ny_winter,'
        ' parseDate(day, "yyyy-MM-dd", "Not/AZone") as unknown | display utc, plain, ny_summer, ny_winter, unknown',
    )
    assert row == {
        "utc": "1714521600000",  # 2024-05-01T00:00Z
        "plain": "1714521600000",
        "ny_summer": "1714536000000",  # 2024-05-01T04:00Z (EDT, UTC-4)
        "ny_winter": "1705329000000",  # 2024-01-15T14:30Z (EST, UTC-5)
    }


# --- operations-functions, "String functions": strcontains(str, searchValue, caseInsensitive) ------


def test_string_functions_strcontains_third_argument_true_is_case_insensitive(tmp_path: Path) -> None:
    # "If the third parameter is set to `true`, the match is case-insensitive."
    row = one_row(
        tmp_path,
        {"t": "xyZxyfooxyxyZ"},
        'fields strcontains(t, "FOO", true) as a, strcontains(t, "FOO", TRUE) as b, strcontains(t, "FOO", false) as c,'
        ' strcontains(t, "FOO") as d, strcontains(t, "foo") as e | display a, b, c, d, e',
    )
    assert row == {"a": "1", "b": "1", "c": "0", "d": "0", "e": "1"}
    # The flag may also come from data: a JSON boolean (its text `true`/`false`) or a number.
    row = one_row(
        tmp_path,
        {"t": "xyZxyfooxyxyZ", "yes": True, "no": False},
        'fields strcontains(t, "FOO", yes) as a, strcontains(t, "FOO", no) as b, strcontains(t, "FOO", 1) as c,'
        ' strcontains(t, "FOO", "false") as d | display a, b, c, d',
    )
    assert row == {"a": "1", "b": "0", "c": "1", "d": "0"}


# CloudTrail's readOnly: a JSON boolean, true, false or absent.
READ_ONLY_RECORDS = [
    {"eventTime": EVENT_TIME, "eventName": "Describe", "readOnly": True},
    {"eventTime": EVENT_TIME, "eventName": "Create", "readOnly": False},
    {"eventTime": EVENT_TIME, "eventName": "Other"},
]


def test_boolean_literals_compare_with_json_booleans(tmp_path: Path) -> None:
    # CloudTrail's readOnly is a JSON boolean; its field reads as the text true/false (semantics.md).
    records = READ_ONLY_RECORDS
    assert rows_of(tmp_path, records, "filter readOnly = true | display eventName") == [{"eventName": "Describe"}]
    assert rows_of(tmp_path, records, "filter readOnly = FALSE | display eventName") == [{"eventName": "Create"}]
    assert [r["eventName"] for r in rows_of(tmp_path, records, "filter readOnly != true | display eventName")] == ["Create", "Other"]
    assert rows_of(tmp_path, records, 'fields if(true, "y", "n") as a, true as b, false as c | limit 1 | display a, b, c') == [
        {"a": "y", "b": "1", "c": "0"}
    ]


def test_boolean_literals_agree_on_duckdb(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    from trailq.lang import parse
    from trailq.sql.duckdb_run import run_duckdb

    records = [
        {"eventTime": EVENT_TIME, "eventName": "Describe", "readOnly": True},
        {"eventTime": EVENT_TIME, "eventName": "Create", "readOnly": False},
    ]
    source = write(tmp_path / "events.jsonl", jsonl(records))
    text = "filter readOnly = true or readOnly = 1 | display eventName"
    result = run_duckdb(parse(text), name="t", sources=[source], time_range=None)
    assert [row["eventName"] for row in result.rows] == ["Describe"]
    assert rows_of(tmp_path, records, text) == [{"eventName": "Describe"}]


# --- CWL_QuerySyntax-Stats: the units of bin() --------------------------------------------------

# "millisecond ms msec, second s sec, minute m min, hour h hr, day d, week w, month mo mon,
# quarter q qtr, year y yr"; "for all units and abbreviations that include more than one
# character, adding s to pluralize is supported".
BIN_UNITS = {
    "ms": ["millisecond", "ms", "msec"],
    "s": ["second", "s", "sec"],
    "m": ["minute", "m", "min"],
    "h": ["hour", "h", "hr"],
    "d": ["day", "d"],
    "w": ["week", "w"],
    "mo": ["month", "mo", "mon"],
    "q": ["quarter", "q", "qtr"],
    "y": ["year", "y", "yr"],
}


def test_stats_bin_units_abbreviations_and_plurals(tmp_path: Path) -> None:
    spellings = [(unit, word) for unit, words in BIN_UNITS.items() for word in words]
    spellings += [(unit, word + "s") for unit, word in list(spellings) if len(word) > 1]
    assert ("ms", "mss") in spellings and ("mo", "mos") in spellings and ("h", "hrs") in spellings
    projections = ", ".join(f"bin(1{word}) as b{i}" for i, (_, word) in enumerate(spellings))
    canonical = ", ".join(f"bin(1{unit}) as c{i}" for i, (unit, _) in enumerate(spellings))
    row = one_row(tmp_path, {}, f"fields {projections}, {canonical}")
    for i, (unit, word) in enumerate(spellings):
        assert row[f"b{i}"] == row[f"c{i}"], (word, unit)
    expected = {"ms": "2024-05-01 10:17:42.250", "s": "2024-05-01 10:17:42.000", "m": "2024-05-01 10:17:00.000",
                "h": "2024-05-01 10:00:00.000", "d": "2024-05-01 00:00:00.000", "w": "2024-04-29 00:00:00.000",
                "mo": "2024-05-01 00:00:00.000", "q": "2024-04-01 00:00:00.000", "y": "2024-01-01 00:00:00.000"}
    assert {unit: row[f"c{i}"] for i, (unit, _) in enumerate(spellings)} == expected


# --- CWL_QuerySyntax-Parse, "JSON field extraction" ---------------------------------------------


JSON_RECORDS = [
    {
        "eventTime": "2024-05-01T10:00:02Z",
        "eventName": "PutObject",
        "m": 'request {"user": {"name": "alice", "roles": ["a", "b"]}} done',
        "requestParameters": {"bucketName": "logs", "key": {"part": "x"}},
    },
    {"eventTime": "2024-05-01T10:00:01Z", "eventName": "GetObject", "m": "no payload", "requestParameters": {"bucketName": "data"}},
]


def test_parse_json_field_extracts_from_a_regex_capture(tmp_path: Path) -> None:
    # The page's example: parse a JSON payload with a regex, then `json field=payload "user.name"`.
    query = 'parse m /(?<payload>\\{.*\\})/ as payload | json field=payload "user.name" as username | display eventName, username'
    rows = rows_of(tmp_path, JSON_RECORDS, query)
    assert rows == [{"eventName": "PutObject", "username": "alice"}, {"eventName": "GetObject"}]


def test_parse_json_field_extracts_from_an_object_of_the_record_and_from_a_map(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, JSON_RECORDS, 'json field=requestParameters "bucketName" as bucket | stats count(*) as n by bucket')
    assert rows == [{"bucket": "data", "n": "1"}, {"bucket": "logs", "n": "1"}]
    rows = rows_of(
        tmp_path,
        JSON_RECORDS,
        'json field=requestParameters "key" as key | fields jsonParse(\'{"a": {"b": 5}}\') as j'
        ' | json field=j "a.b" as ab | display eventName, key, ab',
    )
    assert rows == [{"eventName": "PutObject", "key": '{"part":"x"}', "ab": "5"}, {"eventName": "GetObject", "ab": "5"}]


def test_parse_json_field_alias_is_a_created_column(tmp_path: Path) -> None:
    source = write(tmp_path / "events.jsonl", jsonl(JSON_RECORDS))
    result = run([source], 'json field=requestParameters "bucketName" as bucket')
    assert result.columns[:1] == ["bucket"]
    assert [row.get("bucket") for row in result.rows] == ["logs", "data"]


def test_datetime_caps_apply_to_ms_s_m_h_and_not_to_longer_units(tmp_path: Path) -> None:
    # operations-functions: "The cap for ms is 1000, the caps for s and m are 60, and the cap for h is 24",
    # for any request; nothing is said of d, w, mo, q, y (docs/semantics.md: none is applied).
    row = one_row(
        tmp_path,
        {},
        "fields bin(2000ms) as ms, bin(300s) as s, datefloor(@timestamp, 90m) as m, dateceil(@timestamp, 30h) as h,"
        " bin(45d) as d, bin(2w) as w, bin(5mo) as mo, bin(2q) as q, bin(3y) as y | display ms, s, m, h, d, w, mo, q, y",
    )
    assert row == {
        "ms": "2024-05-01 10:17:42.000",  # 1000 ms
        "s": "2024-05-01 10:17:00.000",  # 60 s
        "m": "2024-05-01 10:00:00.000",  # 60 m
        "h": "2024-05-02 00:00:00.000",  # 24 h, rounded up
        "d": "2024-03-18 00:00:00.000",  # day 19800 since the epoch = 440 × 45
        "w": "2024-04-29 00:00:00.000",  # two-week bins from Monday 1970-01-05
        "mo": "2024-03-01 00:00:00.000",  # month 650 since January 1970 = 130 × 5
        "q": "2024-01-01 00:00:00.000",
        "y": "2024-01-01 00:00:00.000",  # 54 years = 18 × 3
    }


def test_datetime_parsedate_reads_java_datetimeformatter_patterns(tmp_path: Path) -> None:
    # parseDate "parses a date string to epoch milliseconds using a Java DateTimeFormatter pattern".
    q = "'"
    row = one_row(
        tmp_path,
        {"apache": "01/May/2024:10:17:42 +0000", "us": "5/1/2024", "offset": "2024-05-01T10:17:42+02:00"},
        f'fields parseDate(eventTime, "yyyy-MM-dd{q}T{q}HH:mm:ss.SSSX") as iso,'
        ' parseDate(apache, "dd/MMM/yyyy:HH:mm:ss Z") as apache_log,'
        ' parseDate(us, "M/d/yyyy") as short_fields,'
        f' parseDate(offset, "yyyy-MM-dd{q}T{q}HH:mm:ssXXX") as with_offset,'
        ' parseDate("Wed, 01 May 2024 10:17 PM", "EEE, dd MMM yyyy hh:mm a") as twelve_hour,'
        ' parseDate("2024-05-01 Europe/Paris", "yyyy-MM-dd VV") as zone_id'
        " | display iso, apache_log, short_fields, with_offset, twelve_hour, zone_id",
    )
    assert row == {
        "iso": "1714558662250",
        "apache_log": "1714558662000",
        "short_fields": "1714521600000",
        "with_offset": "1714551462000",  # 08:17:42Z
        "twelve_hour": "1714601820000",  # 22:17Z
        # zone ids (VV) are not read: null rather than a guess
    }


def test_string_functions_base64decode_of_text_that_is_not_base64_is_null(tmp_path: Path) -> None:
    query = 'fields base64decode("aGk=") as a, base64decode("aGk") as b, base64decode("!!") as c, base64encode("hi") as d'
    row = one_row(tmp_path, {}, query + " | display a, b, c, d")
    assert row == {"a": "hi", "b": "hi", "d": "aGk="}


# --- operations-functions, "IP address string functions" ----------------------------------------


def test_ip_address_private_public_and_reserved_split_every_address(tmp_path: Path) -> None:
    # isPrivateIP: "in a private range (RFC 1918)"; isPublicIP: "publicly routable"; isReservedIP:
    # "in a reserved range". Every valid address is exactly one of the three (docs/semantics.md).
    expected = {
        "10.1.2.3": "private", "172.31.255.255": "private", "192.168.0.1": "private",
        "8.8.8.8": "public", "2606:4700::1111": "public",
        "127.0.0.1": "reserved", "169.254.169.254": "reserved", "100.64.0.1": "reserved", "192.0.2.10": "reserved",
        "224.0.0.1": "reserved", "240.0.0.1": "reserved", "0.0.0.0": "reserved",
        "::1": "reserved", "fe80::1": "reserved", "2001:db8::1": "reserved", "fc00::1": "reserved",
    }
    records = [{"eventTime": EVENT_TIME, "n": i, "ip": ip} for i, ip in enumerate(expected)] + [
        {"eventTime": EVENT_TIME, "n": len(expected), "ip": "10.0.0.256"}
    ]
    query = "fields n, ip, isPrivateIP(ip) as private, isPublicIP(ip) as public, isReservedIP(ip) as reserved | sort n"
    rows = rows_of(tmp_path, records, query)
    got = {row["ip"]: [name for name in ("private", "public", "reserved") if row[name] == "1"] for row in rows}
    assert got == {**{ip: [kind] for ip, kind in expected.items()}, "10.0.0.256": []}


# --- operations-functions, "Numeric operators" ---------------------------------------------------


def test_numeric_operators_round_ceil_floor(tmp_path: Path) -> None:
    # round(a) "rounds to the nearest integer", round(a, d) "to d decimal places" (docs/semantics.md: half away from zero).
    row = one_row(
        tmp_path,
        {"n": "3.7", "neg": "-3.7", "whole": 4},
        "fields round(2.5) as a, round(-2.5) as b, round(3.14159, 2) as c, round(1234.5, -2) as d, round(n) as e,"
        " ceil(n) as f, floor(neg) as g, ceil(whole) as h, floor(whole) as i, 2 ^ 3 as j, 10 % 3 as k"
        " | display a, b, c, d, e, f, g, h, i, j, k",
    )
    assert row == {"a": "3", "b": "-3", "c": "3.14", "d": "1200", "e": "4", "f": "4", "g": "-4", "h": "4", "i": "4", "j": "8", "k": "1"}


def test_boolean_operators_on_a_json_boolean_field(tmp_path: Path) -> None:
    # "Use the Boolean operators and, or, and not" on values that are TRUE or FALSE: a JSON boolean.
    records = READ_ONLY_RECORDS
    assert rows_of(tmp_path, records, "filter readOnly | display eventName") == [{"eventName": "Describe"}]
    assert [r["eventName"] for r in rows_of(tmp_path, records, "filter not readOnly | display eventName")] == ["Create", "Other"]
    query = 'fields if(readOnly, "read", "write") as kind | filter ispresent(readOnly) | display eventName, kind'
    assert rows_of(tmp_path, records, query) == [
        {"eventName": "Describe", "kind": "read"},
        {"eventName": "Create", "kind": "write"},
    ]


def test_string_and_number_details_the_pages_leave_open(tmp_path: Path) -> None:
    # Decisions written in docs/semantics.md ("String and number functions ...").
    row = one_row(
        tmp_path,
        {},
        'fields substr("abcdef", -2, 3) as a, substr("abc", 5) as b, substr("abcdef", 1, -1) as c, substr("abcdef", 2.7) as d,'
        ' replace("abc", "", "x") as e, urlencode("a b/c") as f, split("a,b", "") as g, toInt("3000000000") as h,'
        ' toInt("-12.9") as i, toLong("3000000000") as j, hexToDec("0xFF") as k, hexToDec("zz") as l,'
        ' isNumeric("1e5") as m, isNumeric(" 5 ") as n, isNumeric("0x1F") as o, messageSize("é") as p,'
        " round(haversine(0, 0, 0, 1), 3) as q | display a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q",
    )
    assert row == {
        "a": "abc", "b": "", "c": "", "d": "cdef", "e": "abc", "f": "a%20b%2Fc", "i": "-12", "j": "3000000000",
        "k": "255", "m": "1", "n": "1", "o": "0", "p": "2", "q": "111.195",
    }
