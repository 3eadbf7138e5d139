"""Long expressions never reach a consumer as a deep tree: a long `and`/`or` chain (an allow-list
written out, well inside the service's 10,000 characters) is built balanced, and any other tree deeper
than pratt.MAX_DEPTH is a query error with a caret, never a RecursionError (exit 70) in the printer,
the engine or the SQL compiler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from trailq import cli
from trailq.engine import run_local
from trailq.errors import QueryError
from trailq.lang import ast as A
from trailq.lang import format_query, parse, to_text
from trailq.lang.pratt import BALANCE_FROM, MAX_DEPTH
from trailq.lang.printer import command_text


def _chain(count: int, op: str = "and") -> str:
    return f" {op} ".join(f'eventName != "x{i}"' for i in range(count))


def _depth(node: A.Node) -> int:
    return 1 + max((_depth(child) for child in A.children(node)), default=0)


def _operands(node: A.Expr, op: str) -> list[A.Expr]:
    if isinstance(node, A.Binary) and node.op == op:
        return _operands(node.left, op) + _operands(node.right, op)
    return [node]


@pytest.mark.parametrize("op", ["and", "or"])
def test_a_long_chain_is_balanced_and_keeps_its_operands_in_order(op: str) -> None:
    condition = parse(f"filter {_chain(1500, op)}").commands[0].condition
    assert _depth(condition) <= 13
    assert [o.right.value for o in _operands(condition, op)] == [f"x{i}" for i in range(1500)]


def test_chains_up_to_the_threshold_keep_the_grammars_shape() -> None:
    short = parse(f"filter {_chain(BALANCE_FROM)}").commands[0].condition
    assert _depth(short) == BALANCE_FROM + 1  # left-deep: one level per `and`, the comparison, its operands
    assert not short.chained
    written = parse('filter a = 1 and (b = 2 and c = 3)').commands[0].condition
    assert isinstance(written.right, A.Binary) and not written.right.chained  # parentheses as written
    assert to_text(parse('filter a = 1 and (b = 2 and c = 3)')) == "filter a = 1 and (b = 2 and c = 3)"


def test_a_balanced_chain_prints_as_written_and_round_trips() -> None:
    text = f"filter {_chain(200)}"
    query = parse(text)
    assert command_text(query.commands[0]) == text  # no parentheses appear
    formatted = format_query(text)
    assert "(" not in formatted and formatted.rstrip("\n").count("\n") == 199  # one operand a line
    assert parse(formatted) == query and to_text(parse(formatted)) == to_text(query)


def test_a_tree_deeper_than_the_limit_is_a_query_error_with_a_caret() -> None:
    deep = "fields " + " + ".join(["1"] * (MAX_DEPTH + 1))
    with pytest.raises(QueryError, match="nested too deeply"):
        parse(deep)
    parse("fields " + " + ".join(["1"] * MAX_DEPTH))  # exactly at the limit: accepted
    result = CliRunner().invoke(cli.main, ["validate", "--query", deep])
    assert result.exit_code == 3 and "nested too deeply" in result.stderr and "Traceback" not in result.stderr


def test_a_long_allow_list_runs_locally_and_on_duckdb(tmp_path: Path) -> None:
    source = tmp_path / "t.jsonl"
    source.write_text("".join(json.dumps({"eventTime": "2026-11-20T10:00:00Z", "eventName": name}) + "\n"
                              for name in ["ConsoleLogin", "x3", "GetObject", "x599", "ConsoleLogin"]))
    names = [f"x{i}" for i in range(600)] + ["ConsoleLogin"]
    chain = " and ".join(f'eventName != "{n}"' for n in names)
    query = parse(f"filter {chain} | stats count(*) as n")
    by_chain = run_local(query, name="q", sources=[str(source)], time_range=None)
    assert by_chain.rows == [{"n": "1"}]  # GetObject only
    pytest.importorskip("duckdb")
    from trailq.sql.duckdb_run import run_duckdb

    assert run_duckdb(query, name="q", sources=[str(source)], time_range=None, label="t").rows == by_chain.rows
