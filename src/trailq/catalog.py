"""The query catalog: `queries.yaml` + `insights/*.insights`, loaded with line numbers and validated.

Every problem is collected (never just the first) as `file:line: query 'name': message`, and
raised together as one CatalogError (exit 6). The built-in catalog ships in the wheel; a
`./queries.yaml` and each `--catalog FILE` are merged over it, the later one winning by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from trailq import lang, params as params_mod
from trailq.errors import EXIT_QUERY_INVALID, CatalogError, QueryError
from trailq.params import Param
from trailq.source import caret, line_col

SEVERITIES = ("low", "medium", "high", "critical")
_TOP_KEYS = {"version", "defaults", "queries"}
_DEFAULT_KEYS = {"since", "log_groups"}
_QUERY_KEYS = {"description", "file", "query", "tags", "params", "check", "log_groups", "since", "language"}
# `language`: Logs Insights (CWLI, the default) or OpenSearch SQL/PPL, sent as StartQuery's queryLanguage.
# SQL and PPL text is kept as written: trailq's parser, local runs and offline checks are Logs Insights only.
LANGUAGES = ("CWLI", "SQL", "PPL")
_PARAM_KEYS = {"type", "default", "description"}
_CHECK_KEYS = {"max_rows", "min_rows", "severity"}


@dataclass(frozen=True)
class Check:
    """A CI check on a query's rows: fail above max_rows or below min_rows."""

    max_rows: int | None = None
    min_rows: int | None = None
    severity: str = "medium"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    text: str  # with {{placeholders}}
    origin: str  # the file the text came from (for error messages)
    tags: tuple[str, ...] = ()
    params: dict[str, Param] = field(default_factory=dict)
    check: Check | None = None
    log_groups: tuple[str, ...] = ()
    since: str | None = None
    catalog_file: str = ""
    language: str = "CWLI"  # CWLI, SQL or PPL

    def render(self, given: dict[str, str] | None = None) -> str:
        """The exact text sent to the service, every placeholder replaced by a typed literal."""
        return params_mod.render(self.text, self.params, given or {}, self.name)


@dataclass
class Catalog:
    queries: dict[str, NamedQuery] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def get(self, name: str) -> NamedQuery:
        try:
            return self.queries[name]
        except KeyError:
            close = [n for n in self.queries if name in n or n in name]
            hint = f"did you mean {', '.join(close[:3])}?" if close else "`trailq list` shows the catalog"
            raise CatalogError(f"unknown query '{name}'", hint=hint) from None

    def select(self, names: list[str] | tuple[str, ...] = (), tags: list[str] | tuple[str, ...] = ()) -> list[NamedQuery]:
        """Queries by name (in the order given) and/or by tag (in catalog order)."""
        chosen = [self.get(n) for n in names]
        for query in self.queries.values():
            if set(tags) & set(query.tags) and query not in chosen:
                chosen.append(query)
        return chosen


def describe(query: NamedQuery) -> dict[str, Any]:
    """A query as plain data (for `trailq list --format json`)."""
    return {
        "name": query.name,
        "description": query.description,
        "tags": list(query.tags),
        "params": {
            p.name: {"type": p.type, "default": p.default, "required": p.required, "description": p.description}
            for p in query.params.values()
        },
        "check": None if query.check is None else {
            "max_rows": query.check.max_rows, "min_rows": query.check.min_rows, "severity": query.check.severity,
        },
        "log_groups": list(query.log_groups),
        "since": query.since,
        "language": query.language,
        "catalog": query.catalog_file,
    }


# --- locating catalogs -------------------------------------------------------------------------


def builtin_path() -> Path:
    """The built-in catalog: package data in a wheel, the repository's top level in a checkout."""
    packaged = Path(str(resources.files("trailq") / "builtin" / "queries.yaml"))
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "queries.yaml"


def load(
    extra: list[str] | tuple[str, ...] = (),
    *,
    include_builtin: bool = True,
    include_cwd: bool = True,
    check_syntax: bool = True,
) -> Catalog:
    """Built-in catalog, then ./queries.yaml, then each extra file; later files win by name."""
    paths: list[Path] = []
    if include_builtin:
        paths.append(builtin_path())
    local = Path("queries.yaml")
    if include_cwd and local.is_file() and local.resolve() not in {p.resolve() for p in paths}:
        paths.append(local)
    for name in extra:
        path = Path(name)
        if not path.is_file():
            raise CatalogError(f"{name}: catalog file not found")
        if path.resolve() in {p.resolve() for p in paths}:
            continue  # ./queries.yaml named again with --catalog: read it once
        paths.append(path)
    catalog = Catalog()
    problems: list[str] = []
    syntax_only = True
    for path in paths:
        queries, found = load_file(path, check_syntax=check_syntax)
        problems.extend(sorted(found.items, key=_line_of))
        syntax_only = syntax_only and found.syntax == len(found.items)
        catalog.queries.update({q.name: q for q in queries})
        catalog.files.append(str(path))
    if problems:
        error = CatalogError(problems, hint="fix the catalog; `trailq validate` lists every problem")
        if syntax_only:
            error.exit_code = EXIT_QUERY_INVALID  # only query text is wrong: the same code as any invalid query
        raise error
    return catalog


def _line_of(problem: str) -> int:
    """The line number of a `file:line: ...` problem, for sorting one file's problems."""
    parts = problem.split(":", 2)
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0


# --- one file ----------------------------------------------------------------------------------


class _Problems:
    """Collects `file:line: query 'name': message` lines."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[str] = []
        self.syntax = 0  # how many items are query syntax errors (exit 3 when nothing else is wrong)

    def add(self, node: yaml.Node | None, message: str, query: str | None = None, line: int | None = None) -> None:
        if line is None:
            line = node.start_mark.line + 1 if node is not None else 1
        where = f"query '{query}': " if query else ""
        self.items.append(f"{self.path}:{line}: {where}{message}")


def load_file(path: Path, *, check_syntax: bool = True) -> tuple[list[NamedQuery], _Problems]:
    """Parse and validate one catalog file. Returns its valid queries and every problem found."""
    problems = _Problems(str(path))
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(None, f"cannot read: {exc}")
        return [], problems
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problems.add(None, f"invalid YAML: {getattr(exc, 'problem', None) or exc}", line=line)
        return [], problems
    if not isinstance(root, yaml.MappingNode):
        problems.add(root, "a catalog is a mapping with version, defaults and queries")
        return [], problems
    top = _mapping(root, problems, _TOP_KEYS, "catalog")
    _check_version(top.get("version"), root, problems)
    defaults = _defaults(top.get("defaults"), problems)
    queries_node = top.get("queries")
    if queries_node is None:
        problems.add(root, "missing required key 'queries'")
        return [], problems
    if not isinstance(queries_node, yaml.MappingNode):
        problems.add(queries_node, "'queries' must be a mapping of query names")
        return [], problems
    queries: list[NamedQuery] = []
    seen: dict[str, int] = {}
    for key_node, value_node in queries_node.value:
        name = key_node.value
        if name in seen:
            problems.add(key_node, f"duplicate query name (first defined on line {seen[name]})", name)
            continue
        seen[name] = key_node.start_mark.line + 1
        query = _query(name, key_node, value_node, path, defaults, problems, check_syntax)
        if query is not None:
            queries.append(query)
    return queries, problems


def _mapping(node: yaml.MappingNode, problems: _Problems, allowed: set[str], what: str, query: str | None = None) -> dict[str, yaml.Node]:
    """Keys → value nodes; unknown and duplicate keys are problems."""
    out: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if key not in allowed:
            problems.add(key_node, f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})", query)
        elif key in out:
            problems.add(key_node, f"duplicate key '{key}' in {what}", query)
        else:
            out[key] = value_node
    return out


def _scalar(node: yaml.Node) -> Any:
    """A node's Python value with safe_load semantics."""
    return yaml.SafeLoader("").construct_document(node) if node is not None else None


def _typed(node: yaml.Node | None, want: type | tuple[type, ...], problems: _Problems, what: str, query: str | None = None) -> Any:
    if node is None:
        return None
    value = _scalar(node)
    if isinstance(value, bool) and bool not in (want if isinstance(want, tuple) else (want,)):
        value = None  # YAML booleans are not numbers or strings here
    if not isinstance(value, want):
        names = " or ".join(t.__name__ for t in (want if isinstance(want, tuple) else (want,)))
        problems.add(node, f"{what} must be a {names.replace('str', 'string').replace('int', 'integer')}", query)
        return None
    return value


def _string_list(node: yaml.Node | None, problems: _Problems, what: str, query: str | None = None) -> tuple[str, ...] | None:
    value = _typed(node, list, problems, what, query)
    if value is None:
        return None
    if not all(isinstance(item, str) for item in value):
        problems.add(node, f"{what} must be a list of strings", query)
        return None
    return tuple(value)


def _check_version(node: yaml.Node | None, root: yaml.Node, problems: _Problems) -> None:
    if node is None:
        problems.add(root, "missing required key 'version' (version: 1)")
    elif _scalar(node) != 1:
        problems.add(node, f"unsupported catalog version {node.value!r} (this trailq reads version 1)")


def _defaults(node: yaml.Node | None, problems: _Problems) -> dict[str, Any]:
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "'defaults' must be a mapping")
        return {}
    keys = _mapping(node, problems, _DEFAULT_KEYS, "defaults")
    out: dict[str, Any] = {}
    if "since" in keys:
        out["since"] = _since(keys["since"], problems, None)
    if "log_groups" in keys:
        out["log_groups"] = _string_list(keys["log_groups"], problems, "defaults.log_groups")
    return out


def _since(node: yaml.Node, problems: _Problems, query: str | None) -> str | None:
    from trailq.errors import UsageError
    from trailq.timerange import parse_duration_seconds

    value = _typed(node, str, problems, "since", query)
    if value is None:
        return None
    try:
        parse_duration_seconds(value, "since")
    except UsageError as exc:
        problems.add(node, exc.message, query)
        return None
    return value


def _query(
    name: str,
    key_node: yaml.Node,
    node: yaml.Node,
    path: Path,
    defaults: dict[str, Any],
    problems: _Problems,
    check_syntax: bool,
) -> NamedQuery | None:
    before = len(problems.items)
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "a query is a mapping (description, file or query, ...)", name)
        return None
    keys = _mapping(node, problems, _QUERY_KEYS, "query", name)
    description = _typed(keys.get("description"), str, problems, "description", name)
    if "description" not in keys:
        problems.add(key_node, "missing required key 'description'", name)
    text, origin, place = _query_text(name, key_node, keys, path, problems)
    tags = _string_list(keys.get("tags"), problems, "tags", name) or ()
    declared = _params(keys.get("params"), problems, name)
    check = _check(keys.get("check"), problems, name)
    log_groups = _string_list(keys.get("log_groups"), problems, "log_groups", name)
    since = _since(keys["since"], problems, name) if "since" in keys else None
    language = _language(keys.get("language"), problems, name)
    if text is not None:
        _check_placeholders(text, declared, keys, key_node, problems, name)
        if check_syntax and language == "CWLI" and len(problems.items) == before:
            _check_query_syntax(text, origin, place, name, problems)
    if len(problems.items) > before or text is None:
        return None
    return NamedQuery(
        name=name,
        description=description or "",
        text=text,
        origin=origin,
        tags=tags,
        params=declared,
        check=check,
        log_groups=tuple(log_groups or defaults.get("log_groups") or ()),
        since=since or defaults.get("since"),
        catalog_file=str(path),
        language=language,
    )


def _language(node: yaml.Node | None, problems: _Problems, name: str) -> str:
    if node is None:
        return "CWLI"
    value = _typed(node, str, problems, "language", name)
    if value is None:
        return "CWLI"
    if value.upper() not in LANGUAGES:
        problems.add(node, f"language '{value}' is not one of {', '.join(LANGUAGES)}", name)
        return "CWLI"
    return value.upper()


@dataclass(frozen=True)
class _Place:
    """Where a query's text sits in its file: line offset, and column offsets of its first and other lines."""

    lines: int = 0
    first_columns: int = 0
    columns: int = 0

    def locate(self, line: int, col: int) -> tuple[int, int]:
        return line + self.lines, col + (self.first_columns if line == 1 else self.columns)


def _inline_place(node: yaml.Node) -> _Place:
    """An inline `query:`: a block scalar starts on the next line, indented; a flow scalar after the key."""
    mark = node.start_mark
    if getattr(node, "style", None) in ("|", ">"):
        following = (mark.buffer or "").split("\n")[mark.line + 1 :]
        content = next((line for line in following if line.strip()), "")
        indent = len(content) - len(content.lstrip(" "))
        return _Place(mark.line + 1, indent, indent)
    quoted = 1 if getattr(node, "style", None) in ("'", '"') else 0
    return _Place(mark.line, mark.column + quoted, 0)


def _query_text(name: str, key_node: yaml.Node, keys: dict[str, yaml.Node], path: Path, problems: _Problems) -> tuple[str | None, str, _Place]:
    """The query's text, the file it is in, and where in that file the text starts."""
    if ("file" in keys) == ("query" in keys):
        problems.add(key_node, "give exactly one of 'file' or 'query'", name)
        return None, str(path), _Place()
    if "query" in keys:
        node = keys["query"]
        return _typed(node, str, problems, "query", name), str(path), _inline_place(node)
    file_node = keys["file"]
    relative = _typed(file_node, str, problems, "file", name)
    if relative is None:
        return None, str(path), _Place()
    folder = path.parent.resolve()
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder):
        problems.add(file_node, f"file '{relative}' is outside the catalog's folder {folder}", name)
        return None, str(path), _Place()
    if not target.is_file():
        problems.add(file_node, f"file '{relative}' not found", name)
        return None, str(path), _Place()
    try:
        return target.read_text(encoding="utf-8"), str(path.parent / relative), _Place()
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(file_node, f"cannot read '{relative}': {exc}", name)
        return None, str(path), _Place()


def _params(node: yaml.Node | None, problems: _Problems, name: str) -> dict[str, Param]:
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "'params' must be a mapping of parameter names", name)
        return {}
    declared: dict[str, Param] = {}
    for key_node, value_node in node.value:
        param_name = key_node.value
        if not params_mod.PLACEHOLDER.fullmatch("{{" + str(param_name) + "}}"):
            problems.add(key_node, f"parameter name '{param_name}' must match [A-Za-z_][A-Za-z0-9_]*", name)
            continue
        if param_name in declared:
            problems.add(key_node, f"duplicate parameter '{param_name}'", name)
            continue
        if not isinstance(value_node, yaml.MappingNode):
            problems.add(value_node, f"parameter '{param_name}' must be a mapping (type, default, description)", name)
            continue
        keys = _mapping(value_node, problems, _PARAM_KEYS, f"parameter '{param_name}'", name)
        ptype = _typed(keys.get("type"), str, problems, f"parameter '{param_name}' type", name) or "string"
        if ptype not in params_mod.PARAM_TYPES:
            problems.add(keys["type"], f"parameter '{param_name}': unknown type '{ptype}' (one of {', '.join(params_mod.PARAM_TYPES)})", name)
            continue
        default = params_mod.default_text(_scalar(keys["default"])) if "default" in keys else None
        description = _typed(keys.get("description"), str, problems, f"parameter '{param_name}' description", name) or ""
        param = Param(param_name, ptype, default, description)
        if default is not None:
            try:
                params_mod.literal(param, default)
            except CatalogError as exc:
                problems.add(keys["default"], f"default: {exc.message}", name)
                param = Param(param_name, ptype, None, description)  # still declared: one problem, not two
        declared[param_name] = param
    return declared


def _check(node: yaml.Node | None, problems: _Problems, name: str) -> Check | None:
    if node is None:
        return None
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "'check' must be a mapping (max_rows or min_rows, severity)", name)
        return None
    keys = _mapping(node, problems, _CHECK_KEYS, "check", name)
    bounds: dict[str, int | None] = {}
    for key in ("max_rows", "min_rows"):
        value = _typed(keys.get(key), int, problems, f"check.{key}", name)
        if value is not None and value < 0:
            problems.add(keys[key], f"check.{key} must not be negative", name)
            value = None
        bounds[key] = value
    if bounds["max_rows"] is None and bounds["min_rows"] is None and not ({"max_rows", "min_rows"} & keys.keys()):
        problems.add(node, "a check needs max_rows or min_rows", name)
    severity = _typed(keys.get("severity"), str, problems, "check.severity", name) or "medium"
    if severity not in SEVERITIES:
        problems.add(keys["severity"], f"check.severity '{severity}' must be one of {', '.join(SEVERITIES)}", name)
    return Check(bounds["max_rows"], bounds["min_rows"], severity)


def _check_placeholders(text: str, declared: dict[str, Param], keys: dict[str, yaml.Node], key_node: yaml.Node, problems: _Problems, name: str) -> None:
    used = params_mod.placeholders(text)
    where = keys.get("file") or keys.get("query") or key_node
    for quoted in _quoted_placeholders(text):
        problems.add(where, f"placeholder {{{{{quoted}}}}} is inside quotes: write it bare, the value is quoted for you", name)
    for placeholder in used:
        if placeholder not in declared:
            problems.add(where, f"placeholder {{{{{placeholder}}}}} is not declared in params", name)
    params_node = keys.get("params")
    for param_name in declared:
        if param_name not in used:
            problems.add(params_node or key_node, f"parameter '{param_name}' is declared but never used in the query", name)


def _quoted_placeholders(text: str) -> list[str]:
    """Placeholders written inside a string, regex or backtick name, where a value would be pasted raw."""
    from trailq.lang import tokens as T
    from trailq.lang.lexer import tokenize

    try:
        toks = tokenize(text, placeholders=True)
    except QueryError:
        return []  # the syntax check reports it
    found: list[str] = []
    for tok in toks:
        if tok.kind in (T.STRING, T.REGEX) or (tok.kind == T.IDENT and "`" in tok.text):
            found.extend(params_mod.placeholders(tok.text))
    return found


def _check_query_syntax(text: str, origin: str, place: _Place, name: str, problems: _Problems) -> None:
    """Parse the text with its placeholders; a syntax error becomes a `file:line:col` problem."""
    try:
        lang.parse(text, origin=origin, placeholders=True)
    except QueryError as exc:
        line, col = place.locate(*line_col(text, exc.span.start))
        problems.items.append(f"{origin}:{line}:{col}: query '{name}': {exc.message}\n{caret(text, exc.span)}")
        problems.syntax += 1
