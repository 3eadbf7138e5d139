"""The command line of the foundation: version, list, show, validate, errors and exit codes."""

import json

import pytest
from click.testing import CliRunner

from trailq import __version__, catalog, cli
from trailq.cli import base as cli_base


def invoke(*args, **kwargs):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False, **kwargs)


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_list_table_and_json():
    table = invoke("list")
    assert table.exit_code == 0
    assert "console-logins" in table.stdout and "root-activity" in table.stdout
    data = json.loads(invoke("list", "--format", "json").stdout)
    by_name = {q["name"]: q for q in data}
    assert by_name["console-logins-without-mfa"]["check"]["max_rows"] == 0
    assert "signin" in by_name["console-logins"]["tags"]


def test_show_renders_parameters_exactly():
    result = invoke("show", "console-logins", "-p", 'user=al"ice')
    assert result.exit_code == 0
    assert '"al\\"ice"' in result.stdout and "{{" not in result.stdout


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["show", "no-such-query"], 6, "unknown query 'no-such-query'"),
        (["show", "console-logins", "-p", "nope=1"], 6, "unknown parameter 'nope'"),
        (["show", "console-logins", "-p", "novalue"], 6, "expected KEY=VALUE"),
        (["run", "console-logins", "--since", "3 months"], 2, "unknown time unit"),
        (["run", "console-logins", "--start", "2026-11-21", "--end", "2026-11-20"], 2, "starts after it ends"),
        (["run", "console-logins", "--sample", "--region", "us-east-1"], 2, "--region applies to CloudWatch runs"),
        (["run", "console-logins", "--query", "fields @timestamp"], 2, "not both"),
        (["run"], 2, "no query matches"),
        (["run", "--all", "--tag", "cis", "--sample"], 2, "--all runs every query"),
        (["run", "--resume", "abc", "--sample"], 2, "not --source/--sample"),
        (["show", "console-logins", "-p", "user=a", "-p", "user=b"], 6, "given twice"),
        (["run", "console-logins", "--sample", "--price-per-gb", "-1"], 2, "--price-per-gb"),
        (["check", "--query", "fields @timestamp", "--sample"], 6, "an ad-hoc query carries no check"),
        (["check", "failed-login-bursts", "--sample", "-p", "window=0m"], 6, "must be positive"),
        (["list", "--catalog", "/nonexistent/queries.yaml"], 6, "catalog file not found"),
        (["check", "--tag", "rot", "--sample"], 6, "no query is tagged 'rot'"),
        (["run", "--tag", "root", "--tag", "cls", "--sample"], 6, "no query is tagged 'cls'"),
    ],
)
def test_user_errors_are_one_line_with_exit_codes(args, code, words):
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert words in result.stderr
    assert "Traceback" not in result.output


def test_broken_catalog_lists_all_problems(tmp_path):
    path = tmp_path / "queries.yaml"
    path.write_text(
        "version: 1\nqueries:\n  a:\n    descripton: x\n    query: fields a\n  b:\n    description: y\n    query: filter a = {{v}}\n"
    )
    result = invoke("validate", "--catalog", str(path))
    assert result.exit_code == 6
    assert f"{path}:4: query 'a': unknown key 'descripton'" in result.stderr
    assert f"{path}:3: query 'a': missing required key 'description'" in result.stderr
    assert f"{path}:8: query 'b': placeholder {{{{v}}}} is not declared" in result.stderr


def test_unexpected_exception_prints_a_bug_report_without_secrets(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "load", explode)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SUPERSECRETVALUE")
    result = invoke("list", "--catalog", "x.yaml")
    assert result.exit_code == 70
    assert "internal error" in result.stderr and "RuntimeError: boom" in result.stderr
    assert f"trailq {__version__}" in result.stderr
    assert "SUPERSECRETVALUE" not in result.stderr


def test_bug_report_redacts_account_options():
    assert cli_base._redact_args(["run", "--profile", "prod-admin", "--role-arn=arn:aws:iam::1:role/x", "-p", "user=bob"]) == [
        "run", "--profile", "<redacted>", "--role-arn=<redacted>", "-p", "<redacted>",
    ]


def test_fmt_rewrites_files_checks_and_reads_stdin(tmp_path):
    messy = tmp_path / "q.insights"
    messy.write_text("FIELDS  @timestamp|filter eventName='ConsoleLogin'  # sign-ins\n")
    check = invoke("fmt", "--check", str(messy))
    assert check.exit_code == 1 and "would be reformatted" in check.stderr
    assert invoke("fmt", str(messy)).exit_code == 0
    assert messy.read_text() == 'fields @timestamp\n| filter eventName = "ConsoleLogin"  # sign-ins\n'
    assert invoke("fmt", "--check", str(messy)).exit_code == 0
    piped = invoke("fmt", "-", input="stats count(*) by eventSource")
    assert piped.stdout == "stats count(*) by eventSource\n"
    assert invoke("fmt", "queries.yaml").exit_code == 2
    broken = invoke("fmt", "-", input="filter a = 'x")
    assert broken.exit_code == 3 and "<stdin>:1:12:" in broken.stderr


def test_builtin_catalog_is_in_canonical_form():
    from pathlib import Path

    files = sorted(str(p) for p in (Path(__file__).resolve().parents[2] / "insights").glob("*.insights"))
    assert invoke("fmt", "--check", *files).exit_code == 0


def test_caret_of_a_broken_catalog_stays_aligned(tmp_path, monkeypatch):
    (tmp_path / "queries.yaml").write_text('version: 1\nqueries:\n  a:\n    description: x\n    query: filter a = "x\n')
    monkeypatch.chdir(tmp_path)
    result = invoke("list")
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    # drawn under the catalog's own line, at the reported column (queries.yaml:5:23)
    assert lines[0].startswith("queries.yaml:5:23: ")
    assert lines[1] == '    query: filter a = "x' and lines[2] == "                      ^^"
