"""The query catalog: `queries.yaml` + `insights/*.insights`, loaded with line numbers and validated.

Every problem is collected (never just the first) as `file:line: query 'name': message`, and
raised together as one CatalogError (exit 6). The built-in catalog ships in the wheel; a
`./queries.yaml` and each `--catalog FILE` are merged over it, the later one winning by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from trailq import lang
from trailq.catalog import params as params_mod
from trailq.catalog import textfiles, yamlload
from trailq.catalog.params import Param
from trailq.errors import EXIT_QUERY_INVALID, CatalogError, QueryError
from trailq.source import Span, caret, line_col

SEVERITIES = ("low", "medium", "high", "critical")
# Query names become CloudWatch saved-query names (under a folder), file names and state keys:
# a letter or digit first, then letters, digits, `_`, `.` and `-`; no `/`, no spaces, no `..` start.
QUERY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
QUERY_NAME_RULE = "a letter or digit, then letters, digits, '_', '.' or '-' (at most 128 characters)"
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
    # Query text the service may run but trailq cannot be sure of (lang/diagnostics.py), each
    # `file:line:col: query 'name': warning: ...` with its caret; never a reason to refuse.
    warnings: list[str] = field(default_factory=list)

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
        known = {tag for query in self.queries.values() for tag in query.tags}
        unknown = [tag for tag in tags if tag not in known]
        if unknown:  # a typo in a CI job's --tag must not select nothing quietly
            raise CatalogError(f"no query is tagged '{unknown[0]}'", hint=f"tags in the catalog: {', '.join(sorted(known)) or 'none'}")
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
    return Path(__file__).resolve().parents[3] / "queries.yaml"


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
            raise CatalogError(f"{name}: {'not a regular file' if path.exists() else 'catalog file not found'}")
        if path.resolve() in {p.resolve() for p in paths}:
            continue  # ./queries.yaml named again with --catalog: read it once
        paths.append(path)
    catalog = Catalog()
    problems: list[str] = []
    syntax_only = True
    for path in paths:
        queries, found = load_file(path, check_syntax=check_syntax)
        problems.extend(str(problem) for problem in sorted(found.items, key=lambda problem: problem.line))
        catalog.warnings.extend(found.warnings)
        syntax_only = syntax_only and found.syntax == len(found.items)
        catalog.queries.update({q.name: q for q in queries})
        catalog.files.append(str(path))
    if problems:
        error = CatalogError(problems, hint="fix the catalog; `trailq validate` lists every problem")
        if syntax_only:
            error.exit_code = EXIT_QUERY_INVALID  # only query text is wrong: the same code as any invalid query
        error.warnings = catalog.warnings
        raise error
    return catalog


# --- one file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogProblem:
    """One problem, kept with its place so that problems sort by line; `str()` is the message users
    read: `file:line[:col]: query 'name': message`, then the caret lines under the text at fault."""

    file: str  # the catalog, or the query file it names (syntax errors are reported where the text is)
    line: int
    message: str
    query: str | None = None
    column: int | None = None
    excerpt: str | None = None  # the caret drawing under a query syntax error

    def __str__(self) -> str:
        column = f":{self.column}" if self.column is not None else ""
        where = f"query '{self.query}': " if self.query else ""
        text = f"{self.file}:{self.line}{column}: {where}{self.message}"
        return text if self.excerpt is None else f"{text}\n{self.excerpt}"


class _Problems:
    """Collects one catalog file's problems and its queries' warnings."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[CatalogProblem] = []
        self.syntax = 0  # how many items are query syntax errors (exit 3 when nothing else is wrong)
        self.warnings: list[str] = []  # rendered QueryWarnings of this file's queries

    def add(self, node: yaml.Node | None, message: str, query: str | None = None, line: int | None = None) -> None:
        if line is None:
            line = node.start_mark.line + 1 if node is not None else 1
        self.items.append(CatalogProblem(self.path, line, message, query))


def load_file(path: Path, *, check_syntax: bool = True) -> tuple[list[NamedQuery], _Problems]:
    """Parse and validate one catalog file. Returns its valid queries and every problem found."""
    problems = _Problems(str(path))
    try:
        text = textfiles.read_text(path, textfiles.CATALOG_MAX_BYTES, "a catalog")
        root = yamlload.compose(text)  # bounded: an alias bomb or deep nesting is refused at once
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(None, f"cannot read: {exc}")
        return [], problems
    except yamlload.YamlLimitError as exc:
        problems.add(None, exc.message, line=exc.line)
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
    lines = text.split("\n")  # once per file: where inline block queries start (see _inline_place)
    for key_node, value_node in queries_node.value:
        name = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if name is None or not QUERY_NAME.fullmatch(name):
            shown = "a YAML list or mapping" if name is None else repr(name)
            problems.add(key_node, f"query name {shown} is not a safe name: {QUERY_NAME_RULE}")
            continue
        if name in seen:
            problems.add(key_node, f"duplicate query name (first defined on line {seen[name]})", name)
            continue
        seen[name] = key_node.start_mark.line + 1
        query = _query(name, key_node, value_node, path, defaults, problems, check_syntax, lines)
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


class _TooDeep:
    """A value nested deeper than Python's constructor can follow (libyaml allows 1,000 levels)."""

    def __repr__(self) -> str:
        return "a value nested too deeply"


def _scalar(node: yaml.Node) -> Any:
    """A node's Python value with safe_load semantics (a _TooDeep instance when nested too deeply)."""
    if node is None:
        return None
    try:
        return yaml.SafeLoader("").construct_document(node)
    except RecursionError:
        return _TooDeep()


def _typed(node: yaml.Node | None, want: type | tuple[type, ...], problems: _Problems, what: str, query: str | None = None) -> Any:
    if node is None:
        return None
    value = _scalar(node)
    if isinstance(value, _TooDeep):
        problems.add(node, f"{what} is nested too deeply", query)
        return None
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

    value: str | None = _typed(node, str, problems, "since", query)
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
    lines: list[str],
) -> NamedQuery | None:
    before = len(problems.items)
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "a query is a mapping (description, file or query, ...)", name)
        return None
    keys = _mapping(node, problems, _QUERY_KEYS, "query", name)
    description = _typed(keys.get("description"), str, problems, "description", name)
    if "description" not in keys:
        problems.add(key_node, "missing required key 'description'", name)
    text, origin, place = _query_text(name, key_node, keys, path, problems, lines)
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
    value: str | None = _typed(node, str, problems, "language", name)
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
    # The catalog file's lines (shared, never copied per query), for carets under an inline query's own lines.
    file_lines: Sequence[str] = ()

    def locate(self, line: int, col: int) -> tuple[int, int]:
        return line + self.lines, col + (self.first_columns if line == 1 else self.columns)

    def report(self, origin: str, name: str, text: str, span: Span, message: str) -> CatalogProblem:
        """`file:line:col: query 'name': message` and a caret under the text at fault, drawn under
        the file's line as it is in the file (indentation included) when the query is inline."""
        content_end = len(text.rstrip())
        if span.start > content_end:  # "end of query": after the last character, not past YAML's line break
            span = Span(content_end, content_end)
        line, col = line_col(text, span.start)
        file_line_no, file_col = self.locate(line, col)
        return CatalogProblem(origin, file_line_no, message, name, file_col, self._caret(text, span, file_line_no, file_col))

    def _caret(self, text: str, span: Span, file_line_no: int, file_col: int) -> str:
        """Under the file's own line when that line holds the query's line at the reported
        column (an inline block: indented); else under the query's line."""
        file_lines = self.file_lines
        if 0 < file_line_no <= len(file_lines):
            _, col = line_col(text, span.start)
            line_start = span.start - (col - 1)
            line_end = text.find("\n", line_start)
            query_line = text[line_start : len(text) if line_end < 0 else line_end]
            file_line = file_lines[file_line_no - 1]
            offset = file_col - col
            if offset >= 0 and file_line[offset:].rstrip("\r") == query_line:
                start = offset + col - 1
                return caret(file_line, Span(start, start + max(0, min(span.end, line_start + len(query_line)) - span.start)))
        return caret(text, span)


def _inline_place(node: yaml.Node, lines: list[str]) -> _Place:
    """An inline `query:`: a block scalar starts on the next line, indented; a flow scalar after the key.

    `lines` is the file split once: splitting it again for every query made loading quadratic
    (a 20,000-query catalog took over 30 s for any command).
    """
    mark = node.start_mark
    if getattr(node, "style", None) in ("|", ">"):
        # Indexed, not sliced: skipping to the line must not cost the lines before it.
        content = next((lines[i] for i in range(mark.line + 1, len(lines)) if lines[i].strip()), "")
        indent = len(content) - len(content.lstrip(" "))
        return _Place(mark.line + 1, indent, indent, lines)
    quoted = 1 if getattr(node, "style", None) in ("'", '"') else 0
    return _Place(mark.line, mark.column + quoted, 0, lines)


def _query_text(
    name: str, key_node: yaml.Node, keys: dict[str, yaml.Node], path: Path, problems: _Problems, lines: list[str],
) -> tuple[str | None, str, _Place]:
    """The query's text, the file it is in, and where in that file the text starts."""
    if ("file" in keys) == ("query" in keys):
        problems.add(key_node, "give exactly one of 'file' or 'query'", name)
        return None, str(path), _Place()
    if "query" in keys:
        node = keys["query"]
        return _typed(node, str, problems, "query", name), str(path), _inline_place(node, lines)
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
        return textfiles.read_text(target), str(path.parent / relative), _Place()
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
            known = ", ".join(params_mod.PARAM_TYPES)
            problems.add(keys["type"], f"parameter '{param_name}': unknown type '{ptype}' (one of {known})", name)
            continue
        default = _default(keys["default"], ptype, problems, param_name, name) if "default" in keys else None
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


_DEFAULT_SCALARS = (str, int, float, bool)


def _default(node: yaml.Node, ptype: str, problems: _Problems, param_name: str, query: str) -> str | None:
    """A parameter's default as -p text. A list takes a list of plain values (or a comma string);
    other types take one plain value. Nested lists, maps and null are problems, not Python reprs."""
    value = _scalar(node)
    what = f"parameter '{param_name}' default"
    if ptype == "list" and isinstance(value, list):
        bad = next((item for item in value if not isinstance(item, _DEFAULT_SCALARS)), _NO_ITEM)
        if bad is not _NO_ITEM:
            kind = "null" if bad is None else type(bad).__name__.replace("dict", "mapping").replace("_TooDeep", "nested too deeply")
            problems.add(node, f"{what}: list items must be strings or numbers, not {kind}", query)
            return None
        return params_mod.default_text(value)
    if not isinstance(value, _DEFAULT_SCALARS):
        kind = "null" if value is None else type(value).__name__.replace("dict", "mapping").replace("_TooDeep", "nested too deeply")
        problems.add(node, f"{what} must be a string or number{' (or a list of them)' if ptype == 'list' else ''}, not {kind}", query)
        return None
    return params_mod.default_text(value)


_NO_ITEM = object()


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


def _check_placeholders(
    text: str, declared: dict[str, Param], keys: dict[str, yaml.Node], key_node: yaml.Node, problems: _Problems, name: str
) -> None:
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
    """Parse the text with its placeholders; a syntax error becomes a `file:line:col` problem,
    each warning a `file:line:col` warning (never a problem)."""
    try:
        query = lang.parse(text, origin=origin, placeholders=True)
    except QueryError as exc:
        problems.items.append(place.report(origin, name, text, exc.span, exc.message))
        problems.syntax += 1
        return
    for warning in query.warnings:
        problems.warnings.append(str(place.report(origin, name, text, warning.span, f"warning: {warning.message} [{warning.rule}]")))
