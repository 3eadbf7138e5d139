"""Yes/no regex tests (`like /re/`, `=~ /re/`) without the backtracking of a leading `.+`.

`like /.+Waiting.+/` asks only whether the pattern matches somewhere. Python's `re` answers a
leading `.+` or `.*` by trying every start position and, from each, every length: quadratic in
the line's length for a line that does not match (22 s on the sample trail, where `/Waiting/`
takes 2 s). For a yes/no answer those ends carry little information:

- `.*R` matches somewhere exactly when `R` does; `R.*` exactly when `R` does;
- `.+R` matches exactly when `R` matches at a position whose previous character `.` accepts
  (any character but a line break, or any at all under `(?s)`): then `.+` can take that one
  character. The test searches `R` and checks the character before each start it finds;
- `R.+` matches exactly when `R(?=.)` does (`.+` can take the one character after).

Only a top-level `.*`, `.+`, `.*?` or `.+?` at the very start (after global inline flags such as
`(?i)`) or end is rewritten, and only when Python's regex parser confirms that those characters
are that repetition of "any character" (not `\\.+`, not a branch of `a|b.+`). Group numbers are
unchanged (the removed parts hold no group). Captures are not needed here; `parse` keeps the
pattern as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from trailq.lang.lexer import regex_to_python

try:  # Python 3.11+
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_FLAGS = re.compile(r"(?:\(\?[aiLmsux]+\))*")
_ANY_REPEATS = (".+?", ".*?", ".+", ".*")
_ANY = getattr(_sre_parse, "ANY", None)
_REPEATS = {getattr(_sre_parse, "MAX_REPEAT", None), getattr(_sre_parse, "MIN_REPEAT", None)}
_MAXREPEAT = getattr(_sre_parse, "MAXREPEAT", None)


def _items(pattern: str) -> tuple[list[object], int] | None:
    try:
        parsed = _sre_parse.parse(regex_to_python(pattern))
    except Exception:  # noqa: BLE001 - any parser complaint: leave the pattern alone
        return None
    return [_plain(item) for item in parsed], parsed.state.flags


def _plain(node: object) -> object:
    """A parsed regex as nested tuples and lists, comparable with == (SubPatterns are not)."""
    if isinstance(node, _sre_parse.SubPattern):
        return [_plain(item) for item in node]
    if isinstance(node, (tuple, list)):
        return type(node)(_plain(item) for item in node)
    return node


def _any_repeat_min(item: object) -> int | None:
    """0 or 1 when `item` is `.*`/`.+` (greedy or lazy, unbounded), else None."""
    try:
        op, (low, high, body) = item  # type: ignore[misc]
    except (TypeError, ValueError):
        return None
    if op in _REPEATS and high == _MAXREPEAT and low in (0, 1) and list(body) == [(_ANY, None)]:
        return int(low)
    return None


@lru_cache(maxsize=512)
def split_search(pattern: str) -> tuple[str, int, int]:
    """(core pattern, minimum of a removed leading `.*`/`.+` (-1: none), of a trailing one)."""
    parsed = _items(pattern)
    if parsed is None:
        return pattern, -1, -1
    items, _ = parsed
    flags = _FLAGS.match(pattern).group(0)  # type: ignore[union-attr]
    body = pattern[len(flags) :]
    lead = trail = -1
    for token in _ANY_REPEATS:
        if items and body.startswith(token) and _any_repeat_min(items[0]) is not None:
            rest = _items(flags + body[len(token) :])
            if rest is not None and rest[0] == items[1:]:
                lead = _any_repeat_min(items[0])  # type: ignore[assignment]
                body, items = body[len(token) :], items[1:]
                break
    for token in _ANY_REPEATS:
        if items and body.endswith(token) and _any_repeat_min(items[-1]) is not None:
            rest = _items(flags + body[: -len(token)])
            if rest is not None and rest[0] == items[:-1]:
                trail = _any_repeat_min(items[-1])  # type: ignore[assignment]
                body = body[: -len(token)]
                break
    return flags + body, lead, trail


def search_test(pattern: str, compile_regex: Callable[[str], re.Pattern[str]]) -> Callable[[str], bool]:
    """A function text -> whether the Logs Insights regex `pattern` matches somewhere in text."""
    core, lead, trail = split_search(pattern)
    if lead < 0 and trail < 0:
        search = compile_regex(pattern).search
        return lambda text: search(text) is not None
    if trail == 1:
        core += "(?=.)"
    search = compile_regex(core).search  # only search(text[, pos]) is used: any bounded matcher will do
    if lead < 1:
        return lambda text: search(text) is not None
    parsed = _items(pattern)
    dotall = parsed is not None and bool(parsed[1] & re.DOTALL)

    def after_a_character(text: str) -> bool:
        pos = 0
        while pos <= len(text):
            match = search(text, pos)
            if match is None:
                return False
            start = match.start()
            if start >= 1 and (dotall or text[start - 1] != "\n"):
                return True
            pos = start + 1
        return False

    return after_a_character
