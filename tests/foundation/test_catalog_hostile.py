"""Hostile catalogs: alias bombs, recursion and deep nesting refused with file:line; unsafe names; bad list defaults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from trailq import catalog
from trailq.errors import CatalogError

HEAD = "version: 1\nqueries:\n"


def _bomb(levels: int = 8) -> str:
    """The classic: each level a list of nine aliases of the level below (9^levels nodes expanded)."""
    inner = "&a1 [x, x, x, x, x, x, x, x, x]"
    for level in range(2, levels + 2):
        inner = f"&a{level} [{inner}, " + ", ".join([f"*a{level - 1}"] * 8) + "]"
    return inner


def _problems(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        catalog.load([str(path)], include_builtin=False, include_cwd=False)
    return caught.value.problems


@pytest.mark.parametrize("where", ["params-default", "tags", "description"])
def test_an_alias_bomb_anywhere_is_refused_with_file_and_line(tmp_path, where):
    bomb = _bomb()
    body = {
        "params-default": (
            f"  q:\n    description: d\n    query: 'fields {{{{u}}}}'\n    params:\n      u:\n        type: list\n        default: {bomb}\n"
        ),
        "tags": f"  q:\n    description: d\n    query: 'fields a'\n    tags: {bomb}\n",
        "description": f"  q:\n    description: {bomb}\n    query: 'fields a'\n",
    }[where]
    path = tmp_path / "bomb.yaml"
    path.write_text(HEAD + body)
    problems = _problems(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:") and "alias" in problems[0]


def test_recursive_aliases_and_deep_nesting_are_refused(tmp_path):
    recursive = tmp_path / "rec.yaml"
    recursive.write_text(HEAD + "  q: &a\n    description: d\n    query: 'fields a'\n    tags: [*a]\n")
    assert "contains it" in _problems(recursive)[0]
    deep = tmp_path / "deep.yaml"
    deep.write_text(HEAD + "  q: " + "[" * 50_000 + "\n")
    assert any(why in _problems(deep)[0] for why in ("levels deep", "nesting depth"))  # ours, or libyaml's own


def test_a_bomb_in_the_working_folder_does_not_hang_any_command(tmp_path):
    (tmp_path / "queries.yaml").write_text(HEAD + f"  q:\n    description: d\n    query: 'fields {{{{u}}}}'\n"
                                           f"    params:\n      u: {{type: list, default: {_bomb()}}}\n")
    for args in (["list"], ["show", "console-logins"], ["validate"]):
        done = subprocess.run([sys.executable, "-m", "trailq", *args], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert done.returncode == 6, done.stderr
        assert "queries.yaml:" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("name", ['""', "-dash", "a/../../b", "'has space'", "'..'", "'x' "])
def test_unsafe_query_names_are_catalog_errors(tmp_path, name):
    path = tmp_path / "names.yaml"
    path.write_text(HEAD + f"  {name}:\n    description: d\n    query: 'fields a'\n")
    if name == "'x' ":
        catalog.load([str(path)], include_builtin=False, include_cwd=False)  # a plain name loads
        return
    problems = _problems(path)
    assert problems[0].startswith(f"{path}:3:") and "safe name" in problems[0]


def test_the_builtin_names_are_safe():
    for name in catalog.load(include_cwd=False).queries:
        assert catalog.QUERY_NAME.fullmatch(name), name


@pytest.mark.parametrize("default, why", [
    ("[ConsoleLogin, [AssumeRole]]", "not list"),
    ("[ConsoleLogin, {a: b}]", "not mapping"),
    ("[ConsoleLogin, null]", "not null"),
    ("{a: b}", "not mapping"),
])
def test_list_defaults_must_hold_plain_values(tmp_path, default, why):
    path = tmp_path / "defaults.yaml"
    path.write_text(HEAD + "  q:\n    description: d\n    query: 'filter eventName in {{names}}'\n"
                    f"    params:\n      names:\n        type: list\n        default: {default}\n")
    problems = _problems(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:9:") and why in problems[0]


def test_a_plain_list_default_still_renders(tmp_path):
    path = tmp_path / "defaults.yaml"
    path.write_text(HEAD + "  q:\n    description: d\n    query: 'filter eventName in {{names}}'\n"
                    "    params:\n      names: {type: list, default: [ConsoleLogin, 5]}\n")
    query = catalog.load([str(path)], include_builtin=False, include_cwd=False).get("q")
    assert query.render() == 'filter eventName in ["ConsoleLogin", "5"]'


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_query_and_catalog_text_is_read_within_a_bound(tmp_path):
    # `--query-file /dev/zero`, `fmt /dev/zero` and `validate /dev/zero` read until memory ran out.
    from click.testing import CliRunner

    from trailq import cli

    runs = {
        ("run", "--query-file", "/dev/zero", "--sample"): (2, "--query-file /dev/zero: cannot read: over 1 MiB, too large for query text"),
        ("fmt", "/dev/zero"): (2, "/dev/zero: cannot read: over 1 MiB"),
        ("validate", "/dev/zero"): (2, "/dev/zero: cannot read: over 1 MiB"),
        ("list", "--catalog", "/dev/zero"): (6, "/dev/zero: not a regular file"),
    }
    for args, (code, message) in runs.items():
        result = CliRunner().invoke(cli.main, list(args))
        assert (result.exit_code, message in result.stderr) == (code, True), (args, result.output)
    piped = CliRunner().invoke(cli.main, ["fmt", "-"], input="fields a " * 200_000)
    assert piped.exit_code == 2 and "<stdin>: cannot read: over 1 MiB" in piped.stderr
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (64 << 20) + b"\n")
    assert "over 64 MiB, too large for a catalog" in _problems(big)[0]
