"""render() details: column order, time conversion, shortening, titles, notices, round-trips, --stats."""

from __future__ import annotations

import csv
import io
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from result_builders import ACCOUNT, empty, failed, logins

from trailq.reporting.output import (
    MIN_COLUMN_WIDTH,
    RenderOptions,
    convert_time,
    format_statistics,
    render,
    resolve_zone,
    shrink_widths,
)
from trailq.result import QUIET_KEEPS, Level, Result, Statistics, Target

NASTY = [
    "plain",
    "comma, inside",
    'quote " inside',
    "line\nbreak",
    "crlf\r\nbreak",
    "tab\tinside",
    "  spaces kept  ",
    "pipe | and \\ backslash",
    "<b>html</b> & more",
    "ünïcödé ✓ 😀",
    "0012345",
    "1e5",
    "=SUM(A1)",
    "",
]


def _nasty_result() -> Result:
    rows = [{"@timestamp": "2026-11-20 08:00:00.000", "value": v, "n": str(i)} for i, v in enumerate(NASTY)]
    return Result("q", Target(ACCOUNT, "us-east-1"), ["@timestamp", "value", "n"], rows)


def test_csv_round_trips_every_value_with_csv_raw():
    result = _nasty_result()
    text = render([result], RenderOptions(format="csv", csv_raw=True)).text
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert parsed == result.rows


def test_tsv_round_trips_every_value_with_csv_raw():
    result = _nasty_result()
    text = render([result], RenderOptions(format="tsv", csv_raw=True)).text
    parsed = list(csv.DictReader(io.StringIO(text, newline=""), delimiter="\t"))
    assert parsed == result.rows


def test_csv_round_trips_every_value_but_formulas_which_gain_a_quote_prefix():
    result = _nasty_result()
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        parsed = list(csv.DictReader(io.StringIO(render([result], RenderOptions(format=fmt)).text, newline=""), delimiter=delimiter))
        expected = [{**row, "value": "'" + row["value"] if row["value"] == "=SUM(A1)" else row["value"]} for row in result.rows]
        assert parsed == expected


def test_json_round_trips_the_result_shape():
    result = _nasty_result()
    result.warnings.append("region ap-east-1 skipped: not enabled")
    docs = json.loads(render([result], RenderOptions(format="json")).text)
    assert docs == [result.to_dict()]
    assert set(docs[0]) >= {"query", "target", "status", "columns", "rows", "statistics", "truncated", "warnings"}


def test_jsonl_round_trips_rows_and_keeps_missing_values_missing():
    result = logins()
    lines = render([result], RenderOptions(format="jsonl", show_ptr=True)).text.splitlines()
    assert [json.loads(line) for line in lines] == result.rows
    assert "mfa" not in json.loads(lines[1])  # null stays absent, never becomes ""


values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c d", "@message"]), values, min_size=4), min_size=1, max_size=5))
def test_machine_formats_lose_nothing(rows):
    result = Result("q", Target(source="sample"), ["a", "b", "c d", "@message"], rows)
    as_csv = list(csv.DictReader(io.StringIO(render([result], RenderOptions(format="csv", csv_raw=True)).text, newline="")))
    as_tsv = list(csv.DictReader(io.StringIO(render([result], RenderOptions(format="tsv", csv_raw=True)).text, newline=""), delimiter="\t"))
    as_json = json.loads(render([result], RenderOptions(format="json")).text)[0]["rows"]
    as_jsonl = [json.loads(line) for line in render([result], RenderOptions(format="jsonl")).text.splitlines()]
    assert as_csv == rows and as_tsv == rows and as_json == rows and as_jsonl == rows


def test_columns_follow_the_query_order_and_unlisted_fields_are_kept():
    result = Result("q", Target(source="sample"), ["z", "a"], [{"a": "1", "z": "2", "extra": "3"}])
    text = render([result], RenderOptions(format="csv")).text
    assert text.splitlines()[0] == "z,a,extra"
    assert text.endswith("\r\n")  # RFC 4180


def test_ptr_hidden_by_default_and_shown_on_request():
    assert "@ptr" not in render([logins()], RenderOptions(format="csv")).text
    assert render([logins()], RenderOptions(format="csv", show_ptr=True)).text.splitlines()[0].endswith(",@ptr")


def test_account_ids_keep_their_leading_zero_in_tables():
    text = render([logins(), logins("eu-north-1")], RenderOptions(merge=True)).text
    assert ACCOUNT in text


def test_time_conversion_keeps_shape_and_adds_the_offset():
    paris = resolve_zone("Europe/Paris")
    assert convert_time("2026-11-20 08:00:00.000", paris) == "2026-11-20 09:00:00.000+01:00"
    assert convert_time("2026-07-20 08:00:00.123", paris) == "2026-07-20 10:00:00.123+02:00"
    assert convert_time("2026-11-20T08:00:00Z", paris) == "2026-11-20T09:00:00+01:00"
    assert convert_time("not a time", paris) == "not a time"
    utc = resolve_zone("UTC")
    assert convert_time("2026-11-20 08:00:00.000", utc) == "2026-11-20 08:00:00.000"


def test_other_time_columns_are_converted_but_mixed_columns_are_not():
    rows = [
        {"bin(1h)": "2026-11-20 08:00:00.000", "eventTime": "2026-11-20T08:00:01Z", "mixed": "2026-11-20 08:00:00.000"},
        {"bin(1h)": "2026-11-20 09:00:00.000", "eventTime": "2026-11-20T09:00:01Z", "mixed": "later"},
    ]
    result = Result("q", Target(source="sample"), ["bin(1h)", "eventTime", "mixed"], rows)
    out = json.loads(render([result], RenderOptions(format="json", tz="Asia/Tokyo")).text)[0]["rows"]
    assert out[0] == {"bin(1h)": "2026-11-20 17:00:00.000+09:00", "eventTime": "2026-11-20T17:00:01+09:00",
                      "mixed": "2026-11-20 08:00:00.000"}


def test_long_values_shortened_only_in_terminal_tables():
    long = "x" * 500
    result = Result("q", Target(source="sample"), ["@timestamp", "msg"], [{"@timestamp": "2026-11-20 08:00:00.000", "msg": long}])
    terminal = render([result], RenderOptions(width=80)).text
    assert "…" in terminal and long not in terminal
    assert "2026-11-20 08:00:00.000" in terminal  # time columns are never cut
    assert max(len(line) for line in terminal.splitlines()) <= 80
    assert long in render([result], RenderOptions()).text  # not a terminal: nothing cut
    for fmt in ("csv", "tsv", "json", "jsonl", "markdown"):
        assert long in render([result], RenderOptions(format=fmt, width=80)).text


def test_hostile_values_cannot_draw_rows_or_reorder_text_in_a_piped_table():
    """Attacker-controlled fields: a line feed would draw a fake row, a right-to-left override would
    make `exe.txt` read as `txt.exe`; both are shown, not obeyed, also when no terminal width is known."""
    user = "evil\n2026-11-20 10:00:00.000  admin"
    agent = "file\u202etxt.exe\u200b\x1b[2J"
    result = Result("q", Target(source="sample"), ["user", "agent"], [{"user": user, "agent": agent}])
    text = render([result], RenderOptions()).text
    assert len(text.splitlines()) == 3  # header, rule, one row
    assert "evil⏎2026-11-20 10:00:00.000  admin" in text
    assert "file\\u202etxt.exe\\u200b\\x1b[2J" in text
    machine = json.loads(render([result], RenderOptions(format="json")).text)[0]["rows"][0]
    assert machine == {"user": user, "agent": agent}  # machine formats keep the exact value


def test_unicode_line_and_paragraph_separators_cannot_draw_rows():
    # U+2028/U+2029 end a line in editors, browsers and `str.splitlines`: they reached tables raw.
    result = Result("q", Target(source="sample"), ["user"], [{"user": "evil\u2028admin\u2029x\x85y"}])
    for fmt in ("table", "markdown"):
        text = render([result], RenderOptions(format=fmt)).text
        shown = "evil\\u2028admin\\u2029x\\x85y"
        if fmt == "markdown":
            shown = shown.replace("\\", "\\\\")  # Markdown shows a backslash written twice
        assert shown in text and len(text.splitlines()) == 3, fmt


def test_markdown_cells_cannot_make_links_or_formatting():
    # A user agent of `[fix it](https://evil.example)` became a link on the job's summary page.
    hostile = "[fix it](https://evil.example) *b* _i_ `c` ~~s~~ a|b \\"
    result = Result("q", Target(source="sample"), ["userAgent"], [{"userAgent": hostile}])
    row = render([result], RenderOptions(format="markdown")).text.splitlines()[2]
    cell = row[2:-2].rstrip()
    assert cell == "\\[fix it\\](https://evil.example) \\*b\\* \\_i\\_ \\`c\\` \\~\\~s\\~\\~ a\\|b \\\\"
    # CommonMark: a backslash before ASCII punctuation shows that character; removing them gives the value.
    assert re.sub(r"\\(.)", r"\1", cell) == hostile


def test_line_breaks_do_not_break_terminal_rows():
    result = Result("q", Target(source="sample"), ["msg"], [{"msg": "one\ntwo"}])
    text = render([result], RenderOptions(width=80)).text
    assert "one⏎two" in text


def test_too_many_columns_stop_at_the_minimum_width():
    columns = [f"column{i}" for i in range(30)]
    result = Result("q", Target(source="sample"), columns, [{c: "v" * 40 for c in columns}])
    text = render([result], RenderOptions(width=80)).text
    cells = text.splitlines()[2].split()
    # Every value cut to the minimum, none to nothing: the terminal wraps the rest.
    assert cells == ["v" * (MIN_COLUMN_WIDTH - 1) + "…"] * 30


def test_shrink_widths_takes_from_the_widest_first():
    widths = shrink_widths([50, 10, 30], 60, [8, 8, 8])
    assert sum(widths) <= 60 and widths[1] == 10  # the narrow column is untouched
    assert shrink_widths([50, 23], 30, [8, 23]) == [8, 23]  # protected column kept, other at its minimum


def test_several_results_get_one_titled_table_each():
    text = render([logins("us-east-1"), logins("eu-north-1")], RenderOptions()).text
    assert text.index("console-logins · 012345678901/us-east-1 (2 rows)") < text.index("console-logins · 012345678901/eu-north-1")


def test_merge_gives_one_table_with_query_account_region_columns():
    text = render([logins("us-east-1"), logins("eu-north-1")], RenderOptions(merge=True)).text
    header = text.splitlines()[0].split()
    assert header[:3] == ["@query", "@account", "@region"]
    assert len([line for line in text.splitlines() if "console-logins" in line]) == 4


def test_local_sources_are_tagged_with_source():
    a = Result("q", Target(source="trail-a.json"), ["x"], [{"x": "1"}])
    b = Result("q", Target(source="trail-b.json"), ["x"], [{"x": "2"}])
    lines = [json.loads(line) for line in render([a, b], RenderOptions(format="jsonl")).text.splitlines()]
    assert [line["@source"] for line in lines] == ["trail-a.json", "trail-b.json"]


def test_notices_report_failures_truncation_warnings_and_empty_results():
    truncated = logins()
    truncated.truncated = True
    truncated.warnings.append("2 lines skipped: not JSON")
    rendered = render([truncated, empty(), failed()], RenderOptions())
    notices = "\n".join(rendered.notices)
    assert "error: console-logins · 012345678901/ap-southeast-2: Failed: AccessDeniedException" in notices
    assert "warning: console-logins · 012345678901/us-east-1: results truncated at 2 rows" in notices
    assert "warning: console-logins · 012345678901/us-east-1: 2 lines skipped: not JSON" in notices
    assert "no rows: root-activity · 012345678901/eu-north-1" in notices


def test_each_notice_carries_the_level_quiet_decides_by():
    truncated = logins()
    truncated.truncated = True
    truncated.warnings.append("rows beyond the cap are lost")
    levels = {notice.split(":")[0] + (": truncated" if "truncated" in notice else ""): notice.level
              for notice in render([truncated, empty(), failed()], RenderOptions()).notices}
    assert levels == {
        "error": Level.ERROR,
        "warning: truncated": Level.LOST,
        "warning": Level.LOST,  # a result's own warning qualifies its rows, whatever its words
        "no rows": Level.INFO,
    }
    assert levels["no rows"] < QUIET_KEEPS <= levels["warning"]


def test_empty_machine_output_is_valid():
    assert json.loads(render([empty()], RenderOptions(format="json")).text)[0]["rows"] == []
    assert json.loads(render([], RenderOptions(format="json")).text) == []
    assert render([empty()], RenderOptions(format="jsonl")).text == ""
    assert render([empty()], RenderOptions(format="csv")).text == "@timestamp,eventName\r\n"
    single = render([empty()], RenderOptions())
    assert single.text == "" and single.notices == ["no rows"]


def test_markdown_escapes_pipes_and_line_breaks():
    text = render([_nasty_result()], RenderOptions(format="markdown")).text
    assert "pipe \\| and \\\\ backslash" in text and "line<br>break" in text
    assert all(line.startswith("|") for line in text.splitlines())


def test_statistics_per_result_and_total():
    a, b = logins(), logins("eu-north-1")
    b.statistics = Statistics(records_matched=10, records_scanned=2_000_000, bytes_scanned=1024**3, elapsed_seconds=9.5)
    text = format_statistics([a, b], price_per_gb=0.005)
    lines = text.splitlines()
    assert "$0.0050" in lines[3]  # one GiB at $0.005
    assert "2,000,000" in lines[3] and "1.0 GiB" in lines[3]
    assert lines[4].startswith("total") and "2,001,500" in lines[4] and "9.5s" in lines[4]
    assert "$0.0050" in lines[4]  # 1 GiB + 2 MiB
    assert format_statistics([a], price_per_gb=0.01).splitlines()[-1] == "(cost estimated at $0.01 per GB scanned)"


def test_json_of_a_file_name_or_argument_that_is_not_utf8_is_still_valid_json(tmp_path):
    # Python keeps such bytes as lone surrogates, which orjson refuses: `run --format json` on
    # `--source $'bad\xffname.json'` was an internal error (exit 70). Each byte is written as \xNN.
    from click.testing import CliRunner

    from trailq import cli

    name = tmp_path / "bad\udcffname.json"
    name.write_text(json.dumps({"eventTime": "2026-11-20T10:00:00Z", "eventName": "ConsoleLogin"}) + "\n")
    for fmt in ("json", "jsonl"):
        result = CliRunner().invoke(cli.main, ["run", "--query", 'fields "é\udcff" as x', "--source", str(name), "--format", fmt])
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout.splitlines()[0] if fmt == "jsonl" else result.stdout)
        row = document if fmt == "jsonl" else document[0]["rows"][0]
        assert row["x"] == "é\\xff"
    assert json.loads(result.stdout)["x"] == "é\\xff"
    explained = CliRunner().invoke(cli.main, ["explain", "--format", "json", "--query", 'fields "\udcff" as x'])
    assert explained.exit_code == 0 and json.loads(explained.stdout)["query"] == 'fields "\\xff" as x'
    whole = CliRunner().invoke(cli.main, ["run", "--query", "stats count(*) as n", "--source", str(name), "--format", "json"])
    assert json.loads(whole.stdout)[0]["coverage"]["searched"][0]["where"].endswith("bad\\xffname.json")
