"""A byte-level prefilter: skip a JSON line before parsing it when it cannot match the query.

From the filters of the query's scan part (the row-by-row commands before any stats, sort,
limit or dedup) we derive literals that a matching record's raw JSON text must contain:
`eventName = "ConsoleLogin"` needs the bytes `ConsoleLogin`; `errorCode like /AccessDenied/`
needs `AccessDenied`. The result is a conjunction of clauses, each clause satisfied when any of
its literals occurs (`in [...]` and `or` give clauses of several literals).

It must never change answers, so it is conservative:
- only conditions on fields read from the record (not on fields an earlier command defined);
- only literals JSON writes verbatim (no quote, backslash, slash or control character), and a
  line holding a `\\u` escape is always parsed (an escaped character could spell the literal);
- `=` with text that reads as a number gives no literal (`"400"` equals a JSON `400.0`);
- negations, `!=`, `(?i)` regexes and regexes with alternation give nothing.
Under --strict the prefilter is off, so every line is checked for corruption (see semantics.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from trailq.engine.values import to_number
from trailq.lang import ast as A

__all__ = ["Prefilter", "build", "describe"]

_SAFE_LITERAL = re.compile(r'[^"\\/\x00-\x1f]+')
_DERIVED_FIELDS = frozenset({"@timestamp", "@logStream", "@log", "@ptr", "@ingestionTime"})
_MIN_LITERAL = 3  # shorter literals skip too few lines to pay for the search


@dataclass(frozen=True)
class Prefilter:
    clauses: tuple[tuple[str, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.clauses)

    def matcher(self) -> Callable[[bytes], bool] | None:
        """A function `line -> may match`; None when there is nothing to test."""
        if not self.clauses:
            return None
        encoded = [tuple(literal.encode("utf-8") for literal in clause) for clause in self.clauses]
        if len(encoded) == 1 and len(encoded[0]) == 1:
            needle = encoded[0][0]
            return lambda line: needle in line or b"\\u" in line

        def may_match(line: bytes) -> bool:
            for clause in encoded:
                if not any(literal in line for literal in clause):
                    return b"\\u" in line
            return True

        return may_match

    def needles(self) -> tuple[bytes, ...] | None:
        """The literals of the first clause, for the block search (blocks.py); None when there is
        nothing to search. Every line that passes `matcher` holds one of them or a `\\u` escape."""
        if not self.clauses:
            return None
        return tuple(literal.encode("utf-8") for literal in self.clauses[0])

    def text(self) -> str:
        if not self.clauses:
            return "none: every line is parsed"
        parts = []
        for clause in self.clauses:
            quoted = " or ".join(f'"{literal}"' for literal in clause)
            parts.append(f"({quoted})" if len(clause) > 1 else quoted)
        return "lines must contain " + " and ".join(parts)


def build(query: A.Query) -> Prefilter:
    """The prefilter for a query (possibly empty)."""
    defined: set[str] = set()
    clauses: list[tuple[str, ...]] = []
    for command in query.commands:
        if isinstance(command, (A.Filter, A.FilterIndex)):
            clauses.extend(_required(command.condition, defined))
        elif isinstance(command, (A.Fields, A.Display)):
            defined.update(p.output_name or "" for p in command.items if not (isinstance(p.expr, A.Field) and p.alias is None))
            defined.update(p.alias for p in command.items if p.alias)
        elif isinstance(command, A.Parse):
            defined.update(command.aliases)
            if isinstance(command.pattern, A.Regex):
                defined.update(re.findall(r"\(\?P?<([^>]+)>", command.pattern.pattern))
            if command.mode == "logfmt" and not command.aliases:
                defined.add("logfmt")
        elif isinstance(command, A.Unnest):
            defined.add(command.into)
        else:
            break  # stats, sort, limit, dedup: later filters see other rows
    unique = tuple(dict.fromkeys(tuple(sorted(set(c))) for c in clauses))
    return Prefilter(unique)


def describe(query: A.Query) -> str:
    """One line for `trailq explain`: the literals a line must hold to be parsed at all."""
    return build(query).text()


def _raw_field(node: A.Expr, defined: set[str]) -> bool:
    if not isinstance(node, A.Field):
        return False
    name = node.name
    if name in _DERIVED_FIELDS:
        return False
    # A field defined by an earlier command, or a path into one, is not raw record text.
    root = name.split(".")[0]
    return name not in defined and root not in defined and not any(name.startswith(d + ".") for d in defined)


def _literal(text: str) -> str | None:
    return text if len(text) >= _MIN_LITERAL and _SAFE_LITERAL.fullmatch(text) else None


def _text_literal(node: A.Expr) -> str | None:
    """A string literal usable as a required literal (text that reads as a number is not)."""
    if isinstance(node, A.String) and to_number(node.value) is None:
        return _literal(node.value)
    return None


def _regex_literal(pattern: str) -> str | None:
    """The longest run of plain characters every match must contain, or None."""
    if "|" in pattern or "(?" in pattern.replace("(?<", "").replace("(?:", "").replace("(?P<", "") or "(?i" in pattern:
        return None
    runs: list[str] = []
    current = ""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt.isalnum():
                runs.append(current)
                current = ""
            else:
                current += nxt
            i += 2
            continue
        if ch in "*?{":
            current = current[:-1]  # the previous character is optional
            runs.append(current)
            current = ""
            if ch == "{":
                close = pattern.find("}", i)
                i = close if close > 0 else len(pattern)
        elif ch == "[":
            runs.append(current)
            current = ""
            close = pattern.find("]", i + 2)
            if close < 0 or "\\" in pattern[i:close]:
                return None  # an escaped bracket could end the class elsewhere: stay safe
            i = close
        elif ch in ".^$()+":
            runs.append(current)
            current = ""
        else:
            current += ch
        i += 1
    runs.append(current)
    # A quantifier after a group could make the whole group optional: give up on groups' contents.
    if re.search(r"\)[*?{]", pattern):
        return None
    best = max(runs, key=len)
    return _literal(best)


def _required(node: A.Expr, defined: set[str]) -> list[tuple[str, ...]]:  # noqa: C901 - one case per expression kind, read top to bottom
    """Clauses (any-of literal sets) that every record satisfying `node` must contain."""
    if isinstance(node, A.Binary):
        if node.op == "and":
            return _required(node.left, defined) + _required(node.right, defined)
        if node.op == "or":
            left, right = _required(node.left, defined), _required(node.right, defined)
            if not left or not right:
                return []
            # Either side holds, so one of each side's strongest clause must appear.
            return [tuple(left[0]) + tuple(right[0])]
        if node.op == "=":
            for field, value in ((node.left, node.right), (node.right, node.left)):
                if _raw_field(field, defined):
                    literal = _text_literal(value)
                    if literal is not None:
                        return [(literal,)]
        return []
    if isinstance(node, A.Like) and not node.negated and _raw_field(node.operand, defined):
        if isinstance(node.pattern, A.String):
            literal = _literal(node.pattern.value)
        elif isinstance(node.pattern, A.Regex):
            literal = _regex_literal(node.pattern.pattern)
        else:
            literal = None
        return [(literal,)] if literal else []
    if isinstance(node, A.Match) and _raw_field(node.operand, defined) and isinstance(node.pattern, A.Regex):
        literal = _regex_literal(node.pattern.pattern)
        return [(literal,)] if literal else []
    if isinstance(node, A.In) and not node.negated and _raw_field(node.operand, defined) and isinstance(node.items, A.ListLiteral):
        literals = [_text_literal(item) for item in node.items.items]
        if literals and all(literal is not None for literal in literals):
            return [tuple(literal for literal in literals if literal is not None)]  # all are: checked above
        return []
    return []
