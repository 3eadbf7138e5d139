"""Every user regex the local engine runs on log data goes through here: RE2, linear time.

Log fields are attacker-controlled, and a backtracking engine (Python's `re`) can take minutes or
longer on one value: `(a+)+$` against 41 characters, `.*.*.*x` against a long @message. RE2
matches in time linear in the text whatever the pattern, so no regex can stall a run. It is also
the dialect of the service's own regex engines as far as AWS documents them (Hyperscan, and RE2
for `regexReplace`), which support neither backreferences nor lookaround either.

Decisions (docs/semantics.md, "Regular expressions"):
- A pattern RE2 cannot run (a backreference `\\1`, lookahead `(?=`, lookbehind `(?<=`, possessive
  or atomic groups, `\\Z`) is refused before any record is read: exit 7, caret at the regex.
  A per-match time budget was the alternative; it turns a slow pattern into a partial answer,
  which an audit cannot use, while a refusal is immediate and says what to change.
- Perl classes (`\\d`, `\\w`, `\\s`, `\\b`) are ASCII, as in RE2 and Hyperscan's default mode.
- `(?<name>…)` named groups are accepted (the lexer writes them `(?P<name>…)`); group names come
  in the order the groups are written, as Python's `re` (and `lang.analysis`) list them.

`compile_user_regex(pattern)` takes the query's regex body (the text between the slashes) and
returns a `UserRegex`; the same object serves `like`/`=~` (`test`), `parse` (`search`,
`finditer`, `groupindex`) and `regexReplace` (`replace`). Compiled patterns are cached.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2

from trailq.lang.regex import regex_to_python

try:  # the binding's own matcher on bytes: a boolean test without building a match object
    from re2 import _re2

    _UNANCHORED = _re2.RE2.Anchor.UNANCHORED
except (ImportError, AttributeError):  # pragma: no cover - another binding version
    _UNANCHORED = None


class RegexNotLinear(ValueError):
    """A pattern RE2 cannot run in linear time (backreferences, lookaround, ...); `reason` says which."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(reason)
        self.pattern = pattern
        self.reason = reason


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own parse errors on stderr; we raise ours
    return options


class UserRegex:
    """One compiled user regex (RE2). Methods mirror the parts of `re.Pattern` the engine uses."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        try:
            self._compiled = re2.compile(regex_to_python(pattern), _options())
        except re2.error as exc:
            raise RegexNotLinear(pattern, _reason(exc)) from None
        raw = getattr(self._compiled, "_regexp", None)
        self._fast = raw.Match if raw is not None and _UNANCHORED is not None else None
        names = self._compiled.groupindex
        self.groupindex: dict[str, int] = dict(sorted(names.items(), key=lambda item: item[1]))
        self.groups: int = self._compiled.groups

    def test(self, text: str) -> bool:
        """Whether the pattern matches anywhere in `text` (`like /re/`, `=~`)."""
        if self._fast is not None:
            encoded = text.encode("utf-8", "surrogatepass")
            found: bool = self._fast(_UNANCHORED, encoded, 0, len(encoded))[0][0] != -1  # re2 is untyped
            return found
        return self._compiled.search(text) is not None

    def search(self, text: str) -> Any:
        """The first match (with `.group(name)`, `.groups()`), or None."""
        return self._compiled.search(_encodable(text))

    def finditer(self, text: str) -> Iterator[Any]:
        matches: Iterator[Any] = self._compiled.finditer(_encodable(text))  # re2 is untyped
        return matches

    def replace(self, text: str, replacement: str) -> str:
        """Every match replaced by `replacement`, taken literally (no `\\1` templates)."""
        replaced: str = self._compiled.sub(lambda _match: replacement, _encodable(text))  # re2 is untyped
        return replaced


def _encodable(text: str) -> str:
    """RE2 reads UTF-8: a lone surrogate (possible in JSON text) becomes U+FFFD instead of an error."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


@lru_cache(maxsize=512)
def compile_user_regex(pattern: str) -> UserRegex:
    """A query regex body → UserRegex. Raises RegexNotLinear for what RE2 cannot run."""
    return UserRegex(pattern)


def not_linear_reason(pattern: str) -> str | None:
    """None when the pattern can run, else why not (for refusing a query before it reads anything)."""
    try:
        compile_user_regex(pattern)
    except RegexNotLinear as exc:
        return exc.reason
    return None


def _reason(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else str(exc)
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return (
        f"the local engine runs regexes in linear time (RE2), which cannot run this one ({detail}); "
        "backreferences and lookaround are not available"
    )
