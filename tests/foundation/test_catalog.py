import textwrap
from pathlib import Path

import pytest

from trailq import catalog
from trailq.errors import EXIT_CATALOG, CatalogError


def write_catalog(folder: Path, text: str, files: dict[str, str] | None = None) -> Path:
    for name, body in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(body)
    path = folder / "queries.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def load_only(path: Path) -> catalog.Catalog:
    return catalog.load([str(path)], include_builtin=False, include_cwd=False)


def test_builtin_catalog_loads_and_has_the_first_queries():
    names = set(catalog.load(include_cwd=False).queries)
    assert {
        "console-logins",
        "console-login-failures",
        "console-logins-without-mfa",
        "root-activity",
        "switch-role",
        "signin-events",
    } <= names


def test_valid_catalog_with_defaults_params_and_check(tmp_path):
    path = write_catalog(
        tmp_path,
        """\
        version: 1
        defaults: {since: 7d, log_groups: [trail-logs]}
        queries:
          by-user:
            description: one user's events
            file: insights/by-user.insights
            tags: [signin]
            params:
              user: {type: string, description: the user}
              n: {type: number, default: 10}
            check: {max_rows: 0, severity: high}
          inline:
            description: inline text
            since: 1h
            log_groups: [other]
            query: |
              fields @timestamp
        """,
        {"insights/by-user.insights": "filter userIdentity.userName = {{user}} | limit {{n}}\n"},
    )
    cat = load_only(path)
    by_user = cat.get("by-user")
    assert by_user.since == "7d" and by_user.log_groups == ("trail-logs",)
    assert by_user.params["user"].required and not by_user.params["n"].required
    assert by_user.check == catalog.Check(max_rows=0, min_rows=None, severity="high")
    assert by_user.render({"user": "alice"}) == 'filter userIdentity.userName = "alice" | limit 10\n'
    inline = cat.get("inline")
    assert (inline.since, inline.log_groups, inline.text) == ("1h", ("other",), "fields @timestamp\n")


def test_broken_catalog_lists_every_problem_with_lines(tmp_path):
    path = write_catalog(
        tmp_path,
        """\
        version: 1
        queries:
          typo:
            descripton: misspelt key
            file: insights/missing.insights
          undeclared:
            description: placeholder without a param
            query: filter userIdentity.userName = {{user}}
          typo:
            description: same name twice
            query: fields @timestamp
          outside:
            description: escapes the folder
            file: ../outside.insights
          unused:
            description: declared but unused
            query: fields @timestamp
            params: {who: {type: string, default: x}}
        """,
    )
    (tmp_path.parent / "outside.insights").write_text("fields @timestamp\n")
    with pytest.raises(CatalogError) as info:
        load_only(path)
    problems = info.value.problems
    assert info.value.exit_code == EXIT_CATALOG
    expected = [
        (3, "typo", "missing required key 'description'"),
        (4, "typo", "unknown key 'descripton'"),
        (5, "typo", "file 'insights/missing.insights' not found"),
        (8, "undeclared", "placeholder {{user}} is not declared"),
        (9, "typo", "duplicate query name (first defined on line 3)"),
        (14, "outside", "outside the catalog's folder"),
        (18, "unused", "parameter 'who' is declared but never used"),
    ]
    for line, name, words in expected:
        assert any(p.startswith(f"{path}:{line}: query '{name}': ") and words in p for p in problems), (line, words, problems)
    assert len(problems) == len(expected)


@pytest.mark.parametrize(
    "body, words",
    [
        ("version: 2\nqueries: {}\n", "unsupported catalog version"),
        ("queries: {}\n", "missing required key 'version'"),
        ("version: 1\n", "missing required key 'queries'"),
        ("version: 1\nqueries: [a]\n", "'queries' must be a mapping"),
        ("version: 1\nqueries:\n  a: {description: d, query: x, params: {p: {type: numbr}}}\n", "unknown type 'numbr'"),
        ("version: 1\nqueries:\n  a: {description: d, query: '{{p}}', params: {p: {type: number, default: abc}}}\n", "is not a number"),
        ("version: 1\nqueries:\n  a: {description: d, query: x, check: {severity: high}}\n", "needs max_rows or min_rows"),
        ("version: 1\nqueries:\n  a: {description: d, query: x, check: {max_rows: 0, severity: urgent}}\n", "must be one of low"),
        ("version: 1\nqueries:\n  a: {description: d, query: x, file: y}\n", "exactly one of 'file' or 'query'"),
        ("version: 1\nqueries:\n  a: {description: d, query: x, since: 3 months}\n", "unknown time unit"),
        ("version: 1\nqueries:\n  a: {description: d, query: x, tags: signin}\n", "tags must be a list"),
        ("version: 1\nqueries:\n  a: {description: [d], query: x}\n", "description must be a string"),
        ("version: 1\nqueries:\n  a: {description: d, query: x}\n  bad: : :\n", "invalid YAML"),
    ],
)
def test_each_kind_of_problem(tmp_path, body, words):
    path = tmp_path / "queries.yaml"
    path.write_text(body)
    with pytest.raises(CatalogError) as info:
        load_only(path)
    assert any(words in p for p in info.value.problems), info.value.problems
    assert all(p.startswith(f"{path}:") for p in info.value.problems)


def test_later_catalog_wins_by_name(tmp_path):
    first = tmp_path / "a.yaml"
    first.write_text("version: 1\nqueries:\n  q: {description: first, query: fields a}\n  only-a: {description: a, query: fields a}\n")
    second = tmp_path / "b.yaml"
    second.write_text("version: 1\nqueries:\n  q: {description: second, query: fields b}\n")
    cat = catalog.load([str(first), str(second)], include_builtin=False, include_cwd=False)
    assert cat.get("q").description == "second" and "only-a" in cat.queries


def test_cwd_catalog_is_merged_over_builtin(tmp_path, monkeypatch):
    (tmp_path / "queries.yaml").write_text("version: 1\nqueries:\n  console-logins: {description: mine, query: fields a}\n")
    monkeypatch.chdir(tmp_path)
    cat = catalog.load()
    assert cat.get("console-logins").description == "mine" and "root-activity" in cat.queries


def test_unknown_query_and_missing_catalog_file(tmp_path):
    with pytest.raises(CatalogError, match="unknown query 'console-login'") as info:
        catalog.load(include_cwd=False).get("console-login")
    assert "console-logins" in info.value.hint
    with pytest.raises(CatalogError, match="catalog file not found"):
        catalog.load([str(tmp_path / "nope.yaml")])


def test_select_by_name_and_tag():
    cat = catalog.load(include_cwd=False)
    chosen = cat.select(["switch-role"], ["root"])
    assert [q.name for q in chosen][:2] == ["switch-role", "root-activity"]


def test_placeholders_inside_quotes_are_refused(tmp_path):
    path = tmp_path / "queries.yaml"
    path.write_text(
        "version: 1\nqueries:\n  a:\n    description: d\n    query: filter u = \"{{user}}\" and x like /{{p}}/\n"
        "    params: {user: {type: string}, p: {type: regex}}\n"
    )
    with pytest.raises(CatalogError) as info:
        load_only(path)
    assert len(info.value.problems) == 2
    for name in ("user", "p"):
        assert any(f"placeholder {{{{{name}}}}} is inside quotes" in p for p in info.value.problems)


def test_a_bad_default_is_one_problem(tmp_path):
    path = tmp_path / "queries.yaml"
    path.write_text(
        "version: 1\nqueries:\n  b:\n    description: d\n    query: filter x = {{n}}\n    params: {n: {type: number, default: abc}}\n"
    )
    with pytest.raises(CatalogError) as info:
        load_only(path)
    assert len(info.value.problems) == 1 and "is not a number" in info.value.problems[0]


def test_the_same_file_twice_is_read_once(tmp_path, monkeypatch):
    (tmp_path / "queries.yaml").write_text("version: 1\nqueries:\n  mine: {description: d, query: fields a}\n")
    monkeypatch.chdir(tmp_path)
    assert "mine" in catalog.load(["queries.yaml"]).queries


def test_syntax_errors_in_inline_queries_point_into_the_yaml_file(tmp_path):
    path = tmp_path / "queries.yaml"
    path.write_text(
        "version: 1\nqueries:\n"
        "  a:\n    description: x\n    query: filter a = \"x\n"
        "  b:\n    description: y\n    query: |\n      fields a\n      | filter ispresnt(b)\n"
    )
    with pytest.raises(CatalogError) as info:
        load_only(path)
    firsts = [p.splitlines()[0] for p in info.value.problems]
    assert firsts[0].startswith(f"{path}:5:23: query 'a': unclosed string")  # the quote on line 5, column 23
    assert firsts[1].startswith(f"{path}:10:16: query 'b': unknown function 'ispresnt'")
