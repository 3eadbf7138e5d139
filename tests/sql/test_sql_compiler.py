"""The compiler's decisions where Logs Insights and SQL differ (docs/semantics.md, "SQL engines"),
each run on DuckDB over a few records; quoting; refusals with a caret; Athena's column mapping."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import sqlglot

from trailq.errors import EXIT_NOT_SUPPORTED
from trailq.lang import parse
from trailq.sql import NotCompilable, compile_query
from trailq.sql.athena_table import AthenaTable
from trailq.sql.compiler import DEFAULT_ROWS
from trailq.sql.shapes import DuckDBFiles
from trailq.timerange import resolve

EVENTS = [
    {"eventTime": "2024-05-01T10:00:00Z", "eventName": "ConsoleLogin", "n": "404", "s": "Alpha", "userIdentity": {"type": "Root"}},
    {"eventTime": "2024-05-01T10:00:01.250Z", "eventName": "consolelogin", "n": "9", "s": "beta", "x": "a.b"},
    {"eventTime": "2024-05-01T10:05:00Z", "eventName": "GetObject", "s": "10"},
]


def run(query: str, tmp_path: Path, events: list[dict] = EVENTS) -> list[dict]:
    pytest.importorskip("duckdb")
    from trailq.sql.duckdb_run import run_duckdb

    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in events) + b"\n")
    result = run_duckdb(parse(query), name="q", sources=[str(path)], time_range=None)
    return [{k: v for k, v in row.items() if k != "@ptr"} for row in result.rows]


def test_not_equal_is_true_on_a_missing_field_and_equal_false(tmp_path: Path) -> None:
    assert run('filter n != "404" | fields eventName', tmp_path) == [{"eventName": "GetObject"}, {"eventName": "consolelogin"}]
    assert run('filter not (n = "404") | fields eventName', tmp_path) == [{"eventName": "GetObject"}, {"eventName": "consolelogin"}]


def test_like_with_a_string_is_a_case_sensitive_substring(tmp_path: Path) -> None:
    assert run('filter eventName like "Login" | fields eventName', tmp_path) == [{"eventName": "ConsoleLogin"}]
    assert run('filter eventName like /(?i)login/ | fields eventName', tmp_path) == [
        {"eventName": "consolelogin"}, {"eventName": "ConsoleLogin"}]


def test_numeric_text_compares_as_a_number_with_a_number(tmp_path: Path) -> None:
    assert run("filter n > 100 | fields n", tmp_path) == [{"n": "404"}]
    assert run('filter n > "100" | fields n', tmp_path) == [{"n": "9"}, {"n": "404"}]  # text with text: code points


def test_timestamps_are_milliseconds_rendered_like_getqueryresults(tmp_path: Path) -> None:
    rows = run("stats min(@timestamp) as first, max(@timestamp) as last, count(*) as n by bin(1m) as minute", tmp_path)
    assert rows[0] == {"minute": "2024-05-01 10:00:00.000", "first": "2024-05-01 10:00:00.000",
                       "last": "2024-05-01 10:00:01.250", "n": "2"}


def test_without_a_limit_at_most_ten_thousand_rows_and_truncated(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    from trailq.sql.duckdb_run import run_duckdb

    events = [{"eventTime": f"2024-05-01T10:{i // 6000 % 60:02d}:{i // 100 % 60:02d}Z", "i": i} for i in range(DEFAULT_ROWS + 5)]
    path = tmp_path / "many.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in events))
    result = run_duckdb(parse("fields i"), name="q", sources=[str(path)], time_range=None)
    assert len(result.rows) == DEFAULT_ROWS and result.truncated
    assert any("more than 10000 rows" in w for w in result.warnings)
    limited = run_duckdb(parse("fields i | limit 20000"), name="q", sources=[str(path)], time_range=None)
    assert len(limited.rows) == DEFAULT_ROWS + 5 and not limited.truncated


def test_sort_puts_digit_only_text_after_other_text_and_missing_last(tmp_path: Path) -> None:
    rows = run("fields s | sort s asc", tmp_path, EVENTS + [{"eventTime": "2024-05-01T11:00:00Z"}])
    assert [r.get("s") for r in rows] == ["Alpha", "beta", "10", None]


def test_regex_parse_and_glob_parse(tmp_path: Path) -> None:
    assert run("parse x /(?<left>[a-z])\\.(?<right>[a-z])/ | filter ispresent(left) | display left, right", tmp_path) == [
        {"left": "a", "right": "b"}]
    assert run('parse x "*.*" as l, r | filter ispresent(l) | display l, r', tmp_path) == [{"l": "a", "r": "b"}]


def test_concat_skips_missing_and_coalesce_if_case(tmp_path: Path) -> None:
    rows = run('fields concat(s, "-", n) as c, coalesce(n, "none") as d, if(ispresent(n), 1, 0) as e, '
               'case(s = "10", "ten", "other") as f | sort @timestamp asc', tmp_path)
    assert rows[0] == {"c": "Alpha-404", "d": "404", "e": "1", "f": "other"}
    assert rows[2] == {"c": "10-", "d": "none", "e": "0", "f": "ten"}


def test_isipinsubnet_on_ipv4(tmp_path: Path) -> None:
    events = [{"eventTime": "2024-05-01T10:00:00Z", "ip": ip} for ip in ("10.1.2.3", "10.2.0.1", "not an ip", "300.1.1.1")]
    assert run('filter isIpInSubnet(ip, "10.1.0.0/16") | fields ip', tmp_path, events) == [{"ip": "10.1.2.3"}]


def test_literals_and_identifiers_are_quoted_so_values_cannot_change_the_sql() -> None:
    hostile = "x' OR 1=1 --"
    compiled = compile_query(parse(f'filter eventName = "{hostile}" | fields `a"b`'), DuckDBFiles(("f'.json",)))
    text = compiled.sql()
    assert "'x'' OR 1=1 --'" in text and "'f''.json'" in text and '"a""b"' in text
    sqlglot.parse_one(text, read="duckdb")  # one well-formed statement


@pytest.mark.parametrize("query", ["fields @message | pattern @message", "parse @message 'a=*' as a | unnest a into b",
                                   "fields jsonParse(x) as j", "stats count(*) by bin(2mo)", "filter x =~ /(?<=a)b/"])
def test_what_sql_cannot_express_is_refused_with_a_caret(query: str) -> None:
    with pytest.raises(NotCompilable) as caught:
        compile_query(parse(query), DuckDBFiles(("f.json",)))
    assert caught.value.exit_code == EXIT_NOT_SUPPORTED
    assert "^" in caught.value.render()


def test_athena_columns_structs_and_json_strings() -> None:
    compiled = compile_query(parse("filter userIdentity.sessionContext.sessionIssuer.userName = 'a' "
                                   "and responseElements.ConsoleLogin = 'Success' | fields eventName"), AthenaTable("db.trail"))
    text = compiled.sql()
    assert '"useridentity"."sessioncontext"."sessionissuer"."username"' in text
    assert "json_extract_scalar(\"responseelements\", '$.ConsoleLogin')" in text
    assert 'FROM "db"."trail"' in text and '"eventname" AS "eventName"' in text


def test_athena_window_and_scope_become_partition_predicates() -> None:
    window = resolve(start="2025-07-14T00:00:00Z", end="2025-07-15T12:00:00Z")
    table = AthenaTable("db.trail", accounts=("111122223333",), regions=("us-east-1", "eu-west-1"))
    text = compile_query(parse("fields eventName"), table, window).sql()
    # A record is delivered into the next day's folder up to a day later: the window's last day + 1.
    assert "\"timestamp\" BETWEEN '2025/07/14' AND '2025/07/16'" in text
    assert "\"account\" IN ('111122223333')" in text and "\"region\" IN ('us-east-1', 'eu-west-1')" in text
    assert "BETWEEN 1752451200000 AND 1752580800000" in text  # the eventtime filter, epoch ms


def test_athena_refuses_fields_its_table_does_not_have() -> None:
    with pytest.raises(NotCompilable, match="cannot be read from Athena"):
        compile_query(parse("fields @ingestionTime"), AthenaTable("db.trail"))
    with pytest.raises(NotCompilable):
        compile_query(parse("fields userIdentity.noSuchMember"), AthenaTable("db.trail"))
    with pytest.raises(NotCompilable, match="'managementEvent' cannot be read"):
        compile_query(parse("fields managementEvent"), AthenaTable("db.trail"))
    # A name that is no CloudTrail key is in no record: missing, as on CloudWatch (not refused).
    sql = compile_query(parse("fields roleName"), AthenaTable("db.trail")).sql(pretty=False)
    assert "CAST(NULL AS VARCHAR) AS \"roleName\"" in sql


def test_a_time_window_keeps_the_same_records_as_the_interpreter(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    from trailq.engine import run_local
    from trailq.sql.duckdb_run import run_duckdb

    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in EVENTS) + b"\n")
    # Both ends inclusive: 10:00:00.000 and 10:05:00.000 are inside, 10:00:01.250 too.
    window = resolve(start="2024-05-01T10:00:00Z", end="2024-05-01T10:05:00Z")
    query = parse("fields eventName | sort @timestamp asc")
    interpreted = run_local(query, name="q", sources=[str(path)], time_range=window, workers=1)
    compiled = run_duckdb(query, name="q", sources=[str(path)], time_range=window)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "@ptr"} for r in rows]  # noqa: E731
    assert strip(compiled.rows) == strip(interpreted.rows) == [
        {"eventName": "ConsoleLogin"}, {"eventName": "consolelogin"}, {"eventName": "GetObject"}]
    narrow = resolve(start="2024-05-01T10:00:01Z", end="2024-05-01T10:04:59Z")
    assert strip(run_duckdb(query, name="q", sources=[str(path)], time_range=narrow).rows) == [{"eventName": "consolelogin"}]


def test_corrupt_input_stops_the_duckdb_engine_with_exit_5_naming_the_file(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    from trailq.errors import QueryFailedError
    from trailq.sql.duckdb_run import run_duckdb

    path = tmp_path / "broken.jsonl"
    path.write_bytes(b'{"eventTime": "2024-05-01T10:00:00Z", "eventName": "A"}\n{"eventName": \n')
    with pytest.raises(QueryFailedError) as caught:
        run_duckdb(parse("fields eventName"), name="q", sources=[str(path)], time_range=None)
    assert caught.value.exit_code == 5 and "duckdb could not read the input" in caught.value.message
    assert "interpreter" in (caught.value.hint or "")


def test_records_wrapped_in_a_records_document_and_gzip_are_read(tmp_path: Path) -> None:
    import gzip

    pytest.importorskip("duckdb")
    from trailq.sql.duckdb_run import run_duckdb

    (tmp_path / "a.json.gz").write_bytes(gzip.compress(orjson.dumps({"Records": EVENTS[:2]}, option=orjson.OPT_INDENT_2)))
    wrapped = {"Records": [{"eventTime": "2024-05-01T12:00:00Z", "eventName": "Wrapped"}]}
    (tmp_path / "b.jsonl").write_bytes(orjson.dumps(EVENTS[2]) + b"\n" + orjson.dumps(wrapped) + b"\n")
    result = run_duckdb(parse("stats count(*) as n by eventName | sort eventName asc"), name="q", sources=[str(tmp_path)], time_range=None)
    assert result.rows == [{"eventName": "ConsoleLogin", "n": "1"}, {"eventName": "GetObject", "n": "1"},
                           {"eventName": "Wrapped", "n": "1"}, {"eventName": "consolelogin", "n": "1"}]
    assert result.coverage.files_read == 2 and result.coverage.records_read == 4


IPS = [{"eventTime": f"2024-05-01T10:00:0{i}Z", "sourceIPAddress": ip} for i, ip in
       enumerate(["10.1.2.3", "192.0.2.9", "198.51.100.7", "AWS Internal"])]


def test_what_the_pack_uses_compiles(tmp_path: Path) -> None:
    # split() and an index, and isIpInSubnet over a subnet folded from them (signins-outside-allowed-networks).
    query = ('fields split(replace("10.0.0.0/8, 192.0.2.0/24", " ", ""), ",") as networks '
             "| filter not (isIpInSubnet(sourceIPAddress, networks[0]) or isIpInSubnet(sourceIPAddress, networks[1]) "
             "or isIpInSubnet(sourceIPAddress, networks[2])) | sort @timestamp asc | display sourceIPAddress, networks[1] as second")
    assert run(query, tmp_path, IPS) == [{"sourceIPAddress": "198.51.100.7", "second": "192.0.2.0/24"},
                                         {"sourceIPAddress": "AWS Internal", "second": "192.0.2.0/24"}]
    # An empty list of networks: every item is no subnet, so nothing is inside.
    empty = ('fields split("", ",") as n | filter isIpInSubnet(sourceIPAddress, n[0]) '
             "or isIpInSubnet(sourceIPAddress, n[5]) | display sourceIPAddress")
    assert run(empty, tmp_path, IPS) == []
    sql = compile_query(parse(query), AthenaTable("db.trail")).sql(pretty=False)
    assert "split(" in sql and "element_at(" in sql and "167772160" in sql  # 10.0.0.0 as a number


@pytest.mark.parametrize("query", ["fields split(s, \",\") as l | display l", "fields split(s, \",\") as l | filter l = \"a\"",
                                   "fields split(s, x) as l", "filter isIpInSubnet(sourceIPAddress, s)"])
def test_lists_and_non_constant_subnets_are_refused_with_a_caret(query: str) -> None:
    with pytest.raises(NotCompilable) as refused:
        compile_query(parse(query), DuckDBFiles(("x.json",)))
    assert refused.value.span.end > refused.value.span.start
