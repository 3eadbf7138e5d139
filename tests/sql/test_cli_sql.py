"""`trailq sql`, `trailq athena setup` and `run/check --engine duckdb` from the command line."""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import pytest
import sqlglot
from click.testing import CliRunner

from trailq import cli


def invoke(*args: str):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("dialect", ["athena", "duckdb"])
def test_sql_prints_one_statement_for_a_catalog_query(dialect: str) -> None:
    result = invoke("sql", "failed-login-bursts", "--dialect", dialect, "-p", "threshold=3", "-p", "window=1h")
    assert result.exit_code == 0, result.output
    statement = sqlglot.parse_one(result.output, read="athena" if dialect == "athena" else "duckdb")
    assert statement.find(sqlglot.exp.Group) is not None
    assert "3600000" in result.output and ">= 3" in result.output


def test_sql_with_query_text_and_default_table() -> None:
    result = invoke("sql", "--query", "filter eventName = 'ConsoleLogin' | fields eventName", "--since", "2d")
    assert result.exit_code == 0
    assert 'FROM "default"."cloudtrail"' in result.output and '"timestamp" BETWEEN' in result.output


def test_sql_refuses_what_it_cannot_compile_with_exit_7_and_a_caret() -> None:
    result = CliRunner().invoke(cli.main, ["sql", "--query", "fields @message | pattern @message", "--dialect", "duckdb"])
    assert result.exit_code == 7
    assert "`pattern` cannot be compiled to SQL" in result.output and "^^^^^^^" in result.output


def test_sql_needs_a_name_or_a_query() -> None:
    assert CliRunner().invoke(cli.main, ["sql"]).exit_code == 2


def test_athena_setup_prints_the_table_for_an_organization_trail() -> None:
    result = invoke("athena", "setup", "--bucket", "s3://trail-bucket/prefix", "--organization", "o-abcdef1234",
                    "--database", "audit", "--table", "trail", "--account", "111122223333")
    assert result.exit_code == 0
    text = result.output
    assert text.startswith("CREATE EXTERNAL TABLE IF NOT EXISTS `audit`.`trail` (")
    assert "'s3://trail-bucket/prefix/AWSLogs/o-abcdef1234/${account}/CloudTrail/${region}/${timestamp}'" in text
    assert "'projection.account.values'='111122223333'" in text and "PARTITIONED BY (`account` STRING" in text
    assert "`useridentity` STRUCT<" in text and "`requestparameters` STRING" in text


def test_athena_setup_single_account_and_bad_input() -> None:
    result = invoke("athena", "setup", "--bucket", "s3://trail-bucket")
    assert "LOCATION 's3://trail-bucket/AWSLogs/'" in result.output and "'projection.account.type'='injected'" in result.output
    bad = CliRunner().invoke(cli.main, ["athena", "setup", "--bucket", "s3://b/x'; DROP TABLE t; --"])
    assert bad.exit_code == 2 and "--bucket" in bad.output
    assert CliRunner().invoke(cli.main, ["athena", "setup", "--bucket", "s3://bkt", "--organization", "org"]).exit_code == 2


def test_run_with_the_duckdb_engine_gives_the_interpreters_rows_and_coverage() -> None:
    pytest.importorskip("duckdb")
    args = ["run", "login-summary-by-ip", "--sample", "--format", "json"]
    interpreted = json.loads(invoke(*args).output)
    compiled = json.loads(invoke(*args, "--engine", "duckdb").output)
    assert compiled[0]["rows"] == interpreted[0]["rows"]
    # The same files and records as the interpreter (the sample grew with issue 12: 19,710 records).
    assert compiled[0]["coverage"]["files_read"] == interpreted[0]["coverage"]["files_read"] > 100
    assert compiled[0]["coverage"]["records_read"] == interpreted[0]["coverage"]["records_read"] == 19_710


def test_check_with_the_duckdb_engine_finds_the_samples_planted_problems() -> None:
    pytest.importorskip("duckdb")
    result = CliRunner().invoke(cli.main, ["check", "--sample", "--engine", "duckdb"])
    assert result.exit_code == 1, result.output


@pytest.mark.parametrize("engine", ["interpreter", "duckdb"])
def test_a_check_over_files_holding_no_record_could_not_judge_on_either_engine(engine: str, tmp_path) -> None:
    pytest.importorskip("duckdb")
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n\n")
    checked = CliRunner().invoke(cli.main, ["check", "root-activity", "--source", str(blank), "--engine", engine])
    assert checked.exit_code == 5, checked.output
    assert "could not judge" in checked.output and "no record was read from the sources" in checked.output
    ran = CliRunner().invoke(cli.main, ["run", "root-activity", "--source", str(blank), "--engine", engine])
    assert ran.exit_code == 0 and "no record was read from the sources (1 file(s) found, none holding a record)" in ran.output


def test_duckdb_counts_the_records_of_a_query_it_proves_empty() -> None:
    # With no allowed_networks the query's filter is false: DuckDB skips the scan, the records were there.
    pytest.importorskip("duckdb")
    ran = json.loads(invoke("run", "signins-outside-allowed-networks", "--sample", "--engine", "duckdb", "--format", "json").output)
    assert ran[0]["rows"] == [] and ran[0]["coverage"]["records_read"] == 19_710 and ran[0]["coverage"]["complete"]


def test_engine_duckdb_refuses_before_reading_and_outside_local_runs() -> None:
    pytest.importorskip("duckdb")
    refused = CliRunner().invoke(cli.main, ["run", "--sample", "--engine", "duckdb", "--query", "fields jsonParse(x) as j"])
    assert refused.exit_code == 7 and "^" in refused.output
    assert CliRunner().invoke(cli.main, ["run", "root-activity", "--engine", "duckdb", "--log-group", "g"]).exit_code == 2


def test_a_missing_duckdb_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_duckdb(name, *args, **kwargs):
        if name == "duckdb":
            raise ImportError("No module named 'duckdb'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_duckdb)
    result = CliRunner().invoke(cli.main, ["run", "root-activity", "--sample", "--engine", "duckdb"])
    assert result.exit_code == 2
    assert "pip install 'trailq[duckdb]'" in result.output and len(result.output.strip().splitlines()) == 1


def test_engine_duckdb_reads_the_head_of_a_file_within_a_bound(tmp_path) -> None:
    # `--engine duckdb --source /dev/zero` read one endless line inside one C call: memory filled
    # and neither Ctrl-C nor the --timeout alarm could stop it. Binary data is refused at once.
    pytest.importorskip("duckdb")
    from trailq.engine import blocks

    binary = tmp_path / "zeros.json"
    binary.write_bytes(b"\x00" * 4096)
    result = CliRunner().invoke(cli.main, ["run", "--engine", "duckdb", "--query", "stats count(*)", "--source", str(binary)])
    assert result.exit_code == 5 and f"{binary}: binary data (NUL bytes), not JSON text, not read" in result.stderr
    long_line = tmp_path / "long.json"
    long_line.write_bytes(b"x" * 5000)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(blocks, "MAX_TEXT_BYTES", 1000)
        result = CliRunner().invoke(cli.main, ["run", "--engine", "duckdb", "--query", "stats count(*)", "--source", str(long_line)])
    assert result.exit_code == 5 and "a line of over 0 MiB among its first lines" in result.stderr
    if Path("/dev/zero").exists():
        result = CliRunner().invoke(cli.main, ["run", "--engine", "duckdb", "--query", "stats count(*)", "--source", "/dev/zero"])
        assert result.exit_code == 5 and "binary data" in result.stderr
