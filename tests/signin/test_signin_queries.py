"""Every built-in sign-in query returns exactly the hand-written rows on the project's fixtures."""

from __future__ import annotations

import re

import pytest
from signin_expected import CASES
from signin_support import BUILTIN_NAMES, REPO, SHAPES, builtin, engine_or_skip, run_builtin


def test_the_catalog_holds_the_whole_pack_with_descriptions_and_tags():
    queries = builtin().queries
    assert set(BUILTIN_NAMES) <= set(queries)
    for name in BUILTIN_NAMES:
        query = queries[name]
        assert query.description and len(query.description.splitlines()) == 1, name
        assert query.tags, name


def test_findings_queries_carry_checks():
    queries = builtin().queries
    for name in ("console-login-failures", "console-logins-without-mfa", "root-activity", "root-console-logins",
                 "failed-login-bursts"):
        assert queries[name].check is not None and queries[name].check.max_rows == 0, name
    assert queries["root-activity"].check.severity == "high"


def test_without_mfa_description_says_why_federated_sessions_are_excluded():
    text = builtin().get("console-logins-without-mfa").description.lower()
    assert "identity provider" in text and "identity center" in text


def test_burst_parameters_render_as_typed_literals():
    text = builtin().get("failed-login-bursts").render({"threshold": "7", "window": "15m"})
    assert "bin(15m)" in text and "failures >= 7" in text


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_every_query_parses(name):
    lang, _ = engine_or_skip()
    lang.parse(builtin().get(name).render({}))


@pytest.mark.parametrize("case", sorted(CASES))
def test_expected_rows_on_the_fixtures(case):
    params, expected_rows, expected_columns = CASES[case]
    name = case.split("[")[0]
    result = run_builtin(name, [str(SHAPES)], params)
    assert result.ok, result.error
    assert result.warnings == []
    rows = [{k: v for k, v in row.items() if k != "@ptr"} for row in result.rows]
    assert rows == expected_rows
    if expected_columns is not None:
        assert [c for c in result.columns if c != "@ptr"] == expected_columns
    elif expected_rows:
        assert {c for c in result.columns if c != "@ptr"} == set().union(*expected_rows)


def _documented_columns() -> set[str]:
    """Column names in docs/catalog.md's vocabulary table (first cell of each row, every `name`)."""
    text = (REPO / "docs" / "catalog.md").read_text(encoding="utf-8")
    table = text.split("**Column vocabulary.**", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([^`]+)`", row.split("|")[1])}


def test_every_column_is_in_the_documented_vocabulary():
    documented = _documented_columns()
    assert {"who", "account", "attempts", "people", "accounts"} <= documented
    for case, (params, _rows, _columns) in CASES.items():
        result = run_builtin(case.split("[")[0], [str(SHAPES)], params)
        undocumented = {c for c in result.columns if c != "@ptr"} - documented
        assert undocumented == set(), (case, undocumented)
