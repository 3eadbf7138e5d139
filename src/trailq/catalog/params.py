"""Query parameters: `{{name}}` placeholders replaced by literals of the declared type.

A value is never pasted into query text as it is: it becomes one literal token (a quoted and
escaped string, a /regex/, a list of strings, a number or a duration), so no value can add a
command, close a string or comment out the rest of the query. The literal spellings here are the
ones the lexer decodes (see docs/semantics.md, "Language").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from trailq.errors import CatalogError, QueryError
from trailq.lang import tokens
from trailq.lang.lexer import encode_string, tokenize
from trailq.lang.regex import regex_error

PARAM_TYPES = ("string", "number", "duration", "regex", "list")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Param:
    """A declared parameter. `default` is None when the parameter is required."""

    name: str
    type: str = "string"
    default: str | None = None
    description: str = ""

    @property
    def required(self) -> bool:
        return self.default is None


def placeholders(text: str) -> list[str]:
    """Names of the `{{placeholders}}` in a query text, in order of first use."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(text):
        seen.setdefault(match.group(1))
    return list(seen)


def regex_literal(value: str) -> str:
    """`/value/` with every unescaped `/` written `\\/` (escaped pairs are copied as they are)."""
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append(value[i : i + 2])
            i += 2
            continue
        out.append({"/": "\\/", "\n": "\\n", "\r": "\\r"}.get(ch, ch))
        i += 1
    return "/" + "".join(out) + "/"


def literal(param: Param, value: str) -> str:
    """The literal token for a value of this parameter's type. Raises CatalogError naming the parameter."""
    def bad(why: str) -> CatalogError:
        return CatalogError(f"parameter '{param.name}' ({param.type}): {why}", hint=param.description or None)

    if param.type == "string":
        return encode_string(value)
    if param.type == "number":
        if not _NUMBER.fullmatch(value.strip()):
            raise bad(f"{value!r} is not a number")
        return value.strip()
    if param.type == "duration":
        amount = _duration_amount(value.strip())
        if amount is None:
            raise bad(f"{value!r} is not a duration such as 5m, 1h or 1d")
        if amount <= 0:
            raise bad(f"{value!r} is zero; a duration must be positive")
        return value.strip()
    if param.type == "regex":
        problem = regex_error(value)
        if problem:
            raise bad(f"{value!r} is not a valid regular expression: {problem}")
        return regex_literal(value)
    if param.type == "list":
        items = [item.strip() for item in value.split(",")] if value.strip() else []
        return "[" + ", ".join(encode_string(item) for item in items) + "]"
    raise bad(f"unknown type (expected one of {', '.join(PARAM_TYPES)})")


def _duration_amount(value: str) -> float | None:
    """The amount of a value that lexes as exactly one time period token (the lexer decides), else None."""
    try:
        toks = [t for t in tokenize(value, placeholders=False, comments=False) if t.kind != tokens.EOF]
    except QueryError:
        return None
    if len(toks) != 1 or toks[0].kind != tokens.DURATION:
        return None
    amount, _unit = cast("tuple[float, str]", toks[0].value)  # a duration token's value is (amount, unit)
    return float(amount)


def default_text(value: Any) -> str | None:
    """A YAML default as the text a user would type with -p (lists become comma lists)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def render(text: str, declared: dict[str, Param], given: dict[str, str], query_name: str) -> str:
    """Replace every placeholder by its literal. Unknown or missing parameters raise CatalogError."""
    problems = [
        f"query '{query_name}': unknown parameter '{name}'"
        + (f" (declared: {', '.join(declared)})" if declared else " (this query takes no parameters)")
        for name in given
        if name not in declared
    ]
    values: dict[str, str] = {}
    for name, param in declared.items():
        if name in given:
            values[name] = given[name]
        elif param.default is not None:
            values[name] = param.default
        else:
            problems.append(f"query '{query_name}': missing required parameter '{name}' (-p {name}=VALUE)")
    if problems:
        raise CatalogError(problems)
    literals = {name: literal(declared[name], value) for name, value in values.items()}
    return PLACEHOLDER.sub(lambda m: literals[m.group(1)], text)


def parse_assignments(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`-p KEY=VALUE` options → dict. A pair without `=` raises CatalogError (exit 6)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CatalogError(f"parameter {pair!r}: expected KEY=VALUE")
        if key.strip() in out:
            raise CatalogError(f"parameter '{key.strip()}' given twice", hint="a list parameter takes a comma list: -p users=a,b")
        out[key.strip()] = value
    return out
