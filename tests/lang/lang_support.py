"""Shared helpers for the language tests: an S-expression summary of an AST (what the
compliance files pin) and the query sources (fixture file, reference samples, catalog)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).with_name("roundtrip_queries.txt")
REFERENCE = REPO.parent / "shared" / "reference" / "logs-insights.md"


def sexpr(node: object) -> str:
    """`(Type field ...)` over compared dataclass fields; strings JSON-quoted, tuples in [ ]."""
    if dataclasses.is_dataclass(node):
        parts = [type(node).__name__]
        for f in dataclasses.fields(node):
            if f.compare:
                parts.append(sexpr(getattr(node, f.name)))
        return "(" + " ".join(parts) + ")"
    if isinstance(node, tuple):
        return "[" + " ".join(sexpr(item) for item in node) + "]"
    if isinstance(node, str):
        return json.dumps(node)
    if node is None:
        return "nil"
    return repr(node)


def fixture_queries() -> list[str]:
    text = FIXTURE.read_text(encoding="utf-8")
    return [chunk for chunk in re.split(r"(?m)^---\n", text) if chunk.strip()]


def reference_queries() -> list[str]:
    """Every code block of §7 and §8 of the shared reference (read at test time, never copied)."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text[text.index("## 7.") : text.index("## 9.")]
    return re.findall(r"```\n(.*?)```", section, re.S)


def catalog_queries() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted((REPO / "insights").glob("*.insights"))}
