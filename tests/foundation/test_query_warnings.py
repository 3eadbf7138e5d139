"""Warnings reach people wherever query text is checked — validate (files, --query, catalogs),
validate --strict, run and check — and carets sit under the text at fault: after wide (CJK,
emoji) characters, and under an inline catalog query's own line in the YAML file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from trailq import catalog, cli
from trailq.source import Span, caret

WARNED = "stats count(*) as n by bin(1h)\n| sort @timestamp desc"


def invoke(*args: str):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def test_validate_prints_warnings_and_exits_0_strict_exits_3(tmp_path: Path) -> None:
    path = tmp_path / "q.insights"
    path.write_text(WARNED, encoding="utf-8")
    result = invoke("validate", str(path))
    assert result.exit_code == 0
    assert f"{path}:2:8: warning: '@timestamp' is not defined by the stats before it" in result.stderr
    assert "[field-after-stats]" in result.stderr and "1 warning" in result.stdout
    strict = invoke("validate", "--strict", str(path))
    assert strict.exit_code == 3 and "[field-after-stats]" in strict.stderr and "1 problem" in strict.stderr


def test_catalog_warnings_are_reported_at_the_file_line_with_the_yaml_indentation(tmp_path: Path) -> None:
    path = tmp_path / "queries.yaml"
    path.write_text(
        "version: 1\nqueries:\n  hourly:\n    description: calls per hour\n    query: |\n"
        "      stats count(*) as n by bin(1h)\n      | sort @timestamp desc\n",
        encoding="utf-8",
    )
    loaded = catalog.load([str(path)], include_builtin=False, include_cwd=False)
    assert list(loaded.queries) == ["hourly"]
    [warning] = loaded.warnings
    assert warning.startswith(f"{path}:7:14: query 'hourly': warning: '@timestamp'")
    assert warning.endswith("\n      | sort @timestamp desc\n             ^^^^^^^^^^")
    result = invoke("validate", "--catalog", str(path))
    assert result.exit_code == 0 and "7:14" in result.stderr
    assert invoke("validate", "--strict", "--catalog", str(path)).exit_code == 3


def test_inline_catalog_error_caret_is_under_the_file_line(tmp_path: Path) -> None:
    path = tmp_path / "queries.yaml"
    path.write_text(
        "version: 1\nqueries:\n  broken:\n    description: x\n    query: |\n      fields a\n      | filter b =\n",
        encoding="utf-8",
    )
    result = invoke("validate", "--catalog", str(path))
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if ":7:" in line)
    line_no, col = (int(x) for x in lines[at].split(":")[1:3])
    assert lines[at + 1] == "      | filter b ="
    assert lines[at + 2].index("^") == col - 1 and line_no == 7


def test_caret_counts_display_width() -> None:
    text = 'filter note = "東京の天気" and x ! 1'
    start = text.index("!")
    drawn = caret(text, Span(start, start + 1)).splitlines()[1]
    # five wide characters take ten columns: the caret moves five columns right of the code point count
    assert drawn.index("^") == start + 5
    emoji = 'fields "🙂🙂" ! 1'
    at = emoji.index("!")
    assert caret(emoji, Span(at, at + 1)).splitlines()[1].index("^") == at + 2
    combining = 'fields "e\u0301" ! 1'  # e + combining acute: one column
    at = combining.index("!")
    assert caret(combining, Span(at, at + 1)).splitlines()[1].index("^") == at - 1
    wide_span = caret('x = "日本"', Span(5, 7)).splitlines()[1]
    assert wide_span == "     ^^^^"


def test_run_prints_warnings_on_stderr_and_still_runs() -> None:
    result = invoke("run", "--sample", "--query", "filter eventName == \"ConsoleLogin\" | stats count(*) as n", "--format", "csv")
    assert result.exit_code == 0
    assert "warning: '==' is read as '='" in result.stderr and "[double-equals]" in result.stderr
    assert result.stdout.startswith("n\n")
    quiet = invoke("run", "--sample", "--quiet", "--query", "filter eventName == \"ConsoleLogin\" | stats count(*) as n")
    assert "double-equals" not in quiet.stderr
