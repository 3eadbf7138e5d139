"""User regexes run on RE2 (linear time): catastrophic patterns finish, RE2-impossible ones are refused with a caret."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from trailq.engine import run_local
from trailq.engine.regexes import RegexNotLinear, compile_user_regex
from trailq.errors import UnsupportedLocally
from trailq.lang import parse

EVIL = "a" * 41 + "!"


def _run(tmp_path, query: str, values: list[str]):
    path = tmp_path / "events.json"
    path.write_text("".join(json.dumps({"eventTime": f"2026-11-20T10:00:{i:02d}Z", "userAgent": v}) + "\n"
                            for i, v in enumerate(values)))
    return run_local(parse(query), name="t", sources=[str(path)], time_range=None)


@pytest.mark.parametrize("query", [
    "filter userAgent like /(a+)+$/",
    "filter userAgent =~ /(a|aa)+$/",
    "filter userAgent like /^(a*)*b/ or userAgent like /.*.*.*.*.*x/",
    "parse userAgent /(?<p>(a+)+)b/ | filter ispresent(p)",
    'fields regexReplace(userAgent, /(a+)+$/, "x") as r | filter r = "y"',
])
def test_catastrophic_patterns_finish_in_a_bounded_time(tmp_path, query):
    path = tmp_path / "evil.json"
    path.write_text("".join(json.dumps({"eventTime": "2026-11-20T10:00:00Z", "userAgent": EVIL * k}) + "\n" for k in (1, 50)))
    # A subprocess with a generous bound: with a backtracking engine each of these runs for hours.
    done = subprocess.run([sys.executable, "-m", "trailq", "run", "--source", str(path), "--query", query, "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["rows"] == []


def test_matches_are_still_found(tmp_path):
    result = _run(tmp_path, "filter userAgent like /(a+)+!$/ | fields userAgent", [EVIL, "bbb"])
    assert [r["userAgent"] for r in result.rows] == [EVIL]


@pytest.mark.parametrize("query, caret", [
    ("filter userAgent like /(a)\\1/", "/(a)\\1/"),
    ("filter userAgent =~ /x(?=y)/", "/x(?=y)/"),
    ("parse userAgent /(?<=a)(?<b>b)/", "/(?<=a)"),
    ('fields regexReplace(userAgent, /(?!a)/, "x") as r', "/(?!a)/"),
])
def test_patterns_re2_cannot_run_are_refused_before_reading(tmp_path, query, caret):
    with pytest.raises(UnsupportedLocally) as caught:
        _run(tmp_path, query, ["a"])
    assert caught.value.exit_code == 7 and "RE2" in caught.value.message
    start = caught.value.span.start
    assert query[start:].startswith(caret)


def test_parse_groups_keep_their_written_order_and_perl_classes_are_ascii(tmp_path):
    result = _run(tmp_path, "parse userAgent /(?<zed>[a-z]+)-(?<alpha>\\d+)/ | display zed, alpha", ["abc-12", "abc-\u0663"])
    assert result.columns[:2] == ["zed", "alpha"]
    # Rows come newest first; the Arabic-Indic digit is not a `\d` (ASCII, as in RE2).
    assert [(r.get("zed"), r.get("alpha")) for r in result.rows] == [(None, None), ("abc", "12")]


def test_regex_replace_is_literal():
    assert compile_user_regex("a+").replace("caaab", "\\1x") == "c\\1xb"
    with pytest.raises(RegexNotLinear):
        compile_user_regex("(a)\\1")


def test_text_with_a_lone_surrogate_does_not_break_matching():
    regex = compile_user_regex("b+")
    assert regex.test("a\ud800bb") and regex.search("a\ud800bb").group(0) == "bb"
