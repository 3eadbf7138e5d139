"""Globs matched by literal pieces (engine/globs.py) give exactly the answers of the regexes they
replace (differential property tests against Python's `re`), and the shapes that made real
queries slow stay linear (globs, and `.+X.+` regexes on RE2)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from trailq.engine.functions import compile_regex
from trailq.engine.globs import compile_glob


def old_glob_regex(pattern: str) -> re.Pattern[str]:
    """The previous compilation (the oracle): unanchored, lazy `(.*?)` groups, a final `*` greedy."""
    pieces = pattern.split("*")
    out = re.escape(pieces[0])
    for i, piece in enumerate(pieces[1:], start=1):
        last = i == len(pieces) - 1
        out += ("(.*)" if last and piece == "" else "(.*?)") + re.escape(piece)
    return re.compile(out, re.DOTALL)


TEXT = st.text(alphabet="ab [].\n*x", max_size=14)
GLOB = st.text(alphabet="ab []*.\n", max_size=8)


@settings(max_examples=600, deadline=None)
@given(GLOB, TEXT)
def test_glob_search_matches_the_regex(pattern: str, text: str) -> None:
    regex, glob = old_glob_regex(pattern), compile_glob(pattern)
    want, got = regex.search(text), glob.search(text)
    assert (want is None) == (got is None)
    if want is not None and got is not None:
        assert (got.start(), got.end(), got.groups()) == (want.start(), want.end(), want.groups())


@settings(max_examples=600, deadline=None)
@given(GLOB, TEXT)
def test_glob_finditer_matches_the_regex(pattern: str, text: str) -> None:
    want = [(m.start(), m.end(), m.groups()) for m in old_glob_regex(pattern).finditer(text)]
    got = [(m.start(), m.end(), m.groups()) for m in compile_glob(pattern).finditer(text)]
    assert got == want


def test_the_aws_sample_glob_on_a_long_line_that_does_not_match_is_linear() -> None:
    line = "x" * 200_000  # no " [" at all: one str.find, no backtracking
    assert compile_glob("* [*] *").search(line) is None
    assert compile_glob("*a*b*c*d*e").search(line) is None
    match = compile_glob("* [*] *").search("2024-01-01 [ERROR] disk full")
    assert match is not None and match.groups() == ("2024-01-01", "ERROR", "disk full")


def test_a_leading_dot_plus_on_a_long_line_that_does_not_match_is_fast() -> None:
    """`like /.+Waiting.+/` runs on RE2 (engine/regexes.py): linear time, same answers as `re` here."""
    test = compile_regex(".+Waiting.+").test
    assert test("y" * 200_000) is False
    assert test("Task Waiting for lock") is True
    assert test("Waiting for lock") is False  # nothing before it for `.+` to take
    assert test("a\nWaiting\nb") is False  # `.` does not take a line break
