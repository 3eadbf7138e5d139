"""Three levels of static checks (lang/diagnostics.py, docs/semantics.md "Static rules"):
project-written queries for every construct issue 16 names, modelled on the AWS page in each
case's `source`, each pinned to its level — accepted, warning (with its rules) or error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lang_support import REPO
from trailq import validation
from trailq.errors import QueryError
from trailq.lang import format_query, parse
from trailq.lang.analysis import output_columns
from trailq.lang.diagnostics import RULES

CASES = json.loads((Path(__file__).with_name("cases") / "levels.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_level(case: dict) -> None:
    text = case["query"]
    if case["level"] == "error":
        with pytest.raises(QueryError) as info:
            parse(text)
        assert info.value.category == case["category"], info.value.render()
        assert validation.validate(query_text=text).exit_code == 3
        return
    query = parse(text)
    assert [w.rule for w in query.warnings] == case.get("rules", []), [w.render() for w in query.warnings]
    report = validation.validate(query_text=text)
    assert report.exit_code == 0 and len(report.warnings) == len(case.get("rules", []))
    strict = validation.validate(query_text=text, strict=True)
    assert strict.exit_code == (3 if case["level"] == "warning" else 0)
    # fmt keeps the meaning: same tree, same columns, idempotent, and the output validates.
    formatted = format_query(text)
    again = parse(formatted)
    assert again == query and format_query(formatted) == formatted
    assert output_columns(again) == output_columns(query)


def test_every_level_and_rule_is_exercised() -> None:
    assert {c["level"] for c in CASES} == {"accepted", "warning", "error"}
    assert {rule for c in CASES for rule in c.get("rules", [])} == set(RULES)


def test_semantics_lists_every_warning_rule_with_its_level_and_source() -> None:
    text = (REPO / "docs" / "semantics.md").read_text(encoding="utf-8")
    section = text[text.index("## Static rules") :]
    section = section[: section.index("\n## ", 3)]
    for rule in RULES:
        assert re.search(rf"`{re.escape(rule)}`.*\| warning \|", section), rule
    assert "| error |" in section
