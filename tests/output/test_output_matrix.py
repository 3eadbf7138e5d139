"""Every option × every format: each combination renders, and each option does what it says there."""

from __future__ import annotations

import csv
import io
import itertools
import json

import pytest
from result_builders import ACCOUNT, empty, failed, logins

from trailq.reporting.output import FORMATS, MARKUP_TABLE_FORMATS, RenderOptions, render

PARIS = {"2026-11-20 08:00:00.000": "2026-11-20 09:00:00.000+01:00", "2026-11-20 08:15:30.250": "2026-11-20 09:15:30.250+01:00"}
DATASETS = {
    "one": lambda: [logins()],
    "several": lambda: [logins("us-east-1"), logins("eu-north-1"), empty(), failed()],
    "empty": lambda: [empty()],
    "failed": lambda: [failed()],
}
COMBINATIONS = list(itertools.product(FORMATS, [False, True], ["UTC", "Europe/Paris"], [False, True], [None, 160], DATASETS))


def _expected_rows(results, show_ptr: bool, tz: str) -> list[dict[str, str]]:
    """The rows every format must carry, computed independently of output.py."""
    out = []
    for result in results:
        for row in result.rows:
            shaped = {k: v for k, v in row.items() if show_ptr or k != "@ptr"}
            if tz != "UTC":
                shaped["@timestamp"] = PARIS[shaped["@timestamp"]]
            out.append(shaped)
    return out


def _parsed_machine_rows(fmt: str, text: str) -> list[dict[str, str]]:
    if fmt == "json":
        return [row for doc in json.loads(text) for row in doc["rows"]]
    if fmt == "jsonl":
        return [{k: v for k, v in json.loads(line).items() if not k.startswith("@") or k in ("@timestamp", "@ptr")}
                for line in text.splitlines()]
    delimiter = "," if fmt == "csv" else "\t"
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    return [{k: v for k, v in row.items() if k not in ("@query", "@account", "@region") and v != ""} for row in rows]


@pytest.mark.parametrize("fmt,show_ptr,tz,merge,width,dataset", COMBINATIONS)
def test_every_option_in_every_format(fmt, show_ptr, tz, merge, width, dataset):
    results = DATASETS[dataset]()
    options = RenderOptions(format=fmt, show_ptr=show_ptr, tz=tz, merge=merge, width=width)
    rendered = render(results, options)
    expected = _expected_rows(results, show_ptr, tz)
    multi = len(results) > 1

    # Diagnostics never go to the data stream.
    assert "error:" not in rendered.text and "no rows" not in rendered.text
    if any(not r.ok for r in results):
        assert any(n.startswith("error: ") and "AccessDenied" in n for n in rendered.notices)

    if fmt in ("json", "jsonl", "csv", "tsv"):
        # Machine formats: nothing shortened, every row, every value, ptr only on request.
        assert _parsed_machine_rows(fmt, rendered.text) == expected
        assert not any(n.startswith("no rows") for n in rendered.notices)
        if fmt == "jsonl" and multi:
            tags = [json.loads(line) for line in rendered.text.splitlines()]
            assert all(t["@account"] == ACCOUNT and t["@query"] and t["@region"] for t in tags)
        if fmt == "json":
            docs = json.loads(rendered.text)
            assert [d["query"] for d in docs] == [r.query for r in results]
            for doc, result in zip(docs, results):
                assert ("@ptr" in doc["columns"]) == (show_ptr and "@ptr" in result.columns)
        return

    text = rendered.text
    assert ("@ptr" in text) == (show_ptr and bool(expected))
    if not expected:
        assert text == ""
        if any(r.ok for r in results):
            assert "no rows" in " ".join(rendered.notices)
        else:  # a failed query did not find "no rows": it found nothing out
            assert not any("no rows" in n for n in rendered.notices)
        return
    if tz != "UTC":
        assert "+01:00" in text
    if fmt == "table" and width is not None:
        assert max(len(line) for line in text.splitlines()) <= width
    titled = multi and not merge
    assert ("us-east-1 (2 rows)" in text) == titled
    if merge and multi:
        assert "@region" in text and "eu-north-1" in text and ACCOUNT in text  # tag columns never cut
    if multi:
        assert "no rows: root-activity" in " ".join(rendered.notices)


@pytest.mark.parametrize("table_format", ["simple", "plain", "grid", "fancy_grid", "psql", "github", "pipe", "rst",
                                          "html", "latex", "tsv", "orgtbl", "rounded_outline"])
@pytest.mark.parametrize("width", [None, 70])
def test_every_table_format_draws_every_row(table_format, width):
    rendered = render([logins()], RenderOptions(table_format=table_format, width=width))
    assert "alice" in rendered.text and "203.0.113.9" in rendered.text
    assert ACCOUNT not in rendered.text  # single result: no title, no tag columns
    if table_format in MARKUP_TABLE_FORMATS:
        assert "…" not in rendered.text  # pasted elsewhere: never shortened
    if width is not None and table_format not in MARKUP_TABLE_FORMATS:
        assert max(len(line) for line in rendered.text.splitlines()) <= width


def test_unknown_format_tz_and_table_format_are_usage_errors():
    from trailq.errors import UsageError

    for bad in ({"format": "xml"}, {"table_format": "nope"}, {"tz": "Mars/Olympus"}):
        with pytest.raises(UsageError) as caught:
            RenderOptions(**bad)
        assert caught.value.exit_code == 2
        assert "--" in caught.value.message  # names the flag
