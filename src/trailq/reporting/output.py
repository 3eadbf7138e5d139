"""One `render()` for every output format, plus the `--stats` summary.

Results come from either backend as `Result`s; nothing here knows which one ran. The text goes
to stdout (or `--output FILE`), the notices to stderr. Library code: this module never prints.

How every option behaves in every format (the CLI contract; tests/output/test_output_matrix.py pins it):

- Columns come in the query's order (`Result.columns`); a row key not listed there is appended
  after them so nothing is dropped. `@ptr` is hidden in every format unless `show_ptr`.
- Time-valued cells (`@timestamp`, `@ingestionTime`, and any column whose every value looks
  like a service timestamp `YYYY-MM-DD HH:MM:SS.mmm` or an ISO 8601 UTC `...Z` time) are shown
  in `tz` in every format. In UTC (the default) they are left exactly as the service returned
  them; in another zone they keep their shape and gain the offset (`2026-11-20 09:00:00.000+01:00`)
  so no value becomes ambiguous.
- `table` (tabulate, `table_format`) and `markdown`: one titled table per query × target when a
  run has several, or one table with `@query`/`@account`/`@region` columns when `merge`.
  Long values are shortened (with `…`) only in `table` format, only when `width` is set (a
  terminal) and never in markup table formats (html, latex, ...); time columns and the
  `@query`/`@account`/`@region` columns are never cut. Machine formats never shorten anything.
- `csv` and `tsv` hold one table per file, so a run with several results is always written as
  one table with the `@query`/`@account`/`@region` columns first (`merge` is implied). A missing
  value is an empty field. Lines end with CRLF (RFC 4180), which makes the csv module quote a
  value holding a lone CR. TSV uses the same quoting as CSV (round-trips through `csv` with
  `delimiter="\\t"`).
- `csv` and `tsv` guard against formula injection (log fields are attacker-controlled: a userAgent
  of `=HYPERLINK(...)` runs when the file is opened in a spreadsheet). A cell that starts with `=`,
  `+`, `-`, `@`, tab or CR is written with a leading `'` and quoted (OWASP's CSV-injection advice),
  unless the whole cell is a plain number (`-5`, `+1.5e3`): a number cannot run, and rewriting it
  would turn numeric columns into text. Header cells get the same guard, except plain field names
  (`@timestamp`, `@query`), which come from the query, not the log data. `csv_raw` writes every
  cell as it is (for programs that read the file, not spreadsheets).
- `json`: one array of `Result.to_dict()` objects (the DESIGN.md shape), `merge` does not apply.
- `jsonl`: one object per row; rows of a run with several results start with `@query`,
  `@account`, `@region` (and `@source` for local sources). A missing value is a missing key.
- An empty result gives a "no rows" notice for `table`/`markdown` and valid empty output for
  machine formats (`[]`-shaped JSON, CSV header only, no JSONL lines).
- A failed result gives an `error:` notice; rows it still holds (a partial failure on CloudWatch,
  e.g. one log-group batch of several) are shown. Truncation and every `Result.warnings` entry
  give a `warning:` notice.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

import orjson
from tabulate import tabulate, tabulate_formats

from trailq.errors import UsageError
from trailq.reporting.shown import visible
from trailq.result import Coverage, Level, Notice, Result, Target

FORMATS = ("table", "json", "jsonl", "csv", "tsv", "markdown")
DEFAULT_TABLE_FORMAT = "simple"
PTR = "@ptr"
TAG_COLUMNS = ("@query", "@account", "@region")
SOURCE_TAG = "@source"
ELLIPSIS = "…"
MIN_COLUMN_WIDTH = 8  # shortening never squeezes a column below this (the terminal wraps instead)
NAMED_TIME_COLUMNS = frozenset({"@timestamp", "@ingestionTime"})
# Table formats meant to be pasted into documents, not read in a terminal: never shortened.
MARKUP_TABLE_FORMATS = frozenset({
    "html", "unsafehtml", "latex", "latex_raw", "latex_booktabs", "latex_longtable",
    "mediawiki", "moinmoin", "textile", "jira", "youtrack", "asciidoc",
})

_SERVICE_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}")
_ISO_UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")


@dataclass(frozen=True)
class RenderOptions:
    """The output options every command shares (`--format`, `--table-format`, `--show-ptr`, `--tz`, `--merge`)."""

    format: str = "table"
    table_format: str = DEFAULT_TABLE_FORMAT
    show_ptr: bool = False
    tz: str = "UTC"
    merge: bool = False
    width: int | None = None  # terminal width; None means never shorten values
    csv_raw: bool = False  # csv/tsv: no guard against spreadsheet formulas (see above)

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise UsageError(f"--format: unknown format {self.format!r}", hint=f"one of: {', '.join(FORMATS)}")
        if self.table_format not in tabulate_formats:
            raise UsageError(
                f"--table-format: unknown table format {self.table_format!r}",
                hint=f"one of: {', '.join(tabulate_formats)}",
            )
        if self.width is not None and self.width < 20:
            raise ValueError(f"width {self.width} is too narrow to draw a table")
        resolve_zone(self.tz)


@dataclass(frozen=True)
class Rendered:
    """What to write: `text` for stdout (or --output), `notices` one line each for stderr."""

    text: str
    notices: list[Notice] = field(default_factory=list)


class _SystemZone(tzinfo):
    """This machine's zone, with its daylight-saving rules: each instant is converted with
    `astimezone()` (no argument), never with the fixed offset that holds today."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None if dt is None else _local(dt).utcoffset()

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None if dt is None else _local(dt).dst()

    def tzname(self, dt: datetime | None) -> str | None:
        return None if dt is None else _local(dt).tzname()


def _local(dt: datetime) -> datetime:
    return dt.replace(tzinfo=None).astimezone()


LOCAL = _SystemZone()


def _in_zone(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone() if zone is LOCAL else moment.astimezone(zone)


def resolve_zone(name: str) -> tzinfo:
    """`UTC`, `local` (this machine's zone) or an IANA zone name. Raises UsageError naming --tz."""
    if name.upper() in ("UTC", "Z"):
        return timezone.utc
    if name.lower() == "local":
        return LOCAL
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--tz: unknown time zone {name!r}", hint="use UTC, local, or a zone name such as Europe/Paris") from None


# ---------------------------------------------------------------------------------------------
# Shaping: the rows every format starts from


@dataclass(frozen=True)
class _Table:
    """One result's rows after the options that apply to every format (ptr hidden, tz applied)."""

    result: Result
    columns: list[str]
    rows: list[dict[str, str]]


def _visible_columns(result: Result, show_ptr: bool) -> list[str]:
    columns = list(result.columns)
    seen = set(columns)
    for row in result.rows:
        for key in row:
            if key not in seen:  # a field the query did not list: keep it rather than drop it
                seen.add(key)
                columns.append(key)
    return [c for c in columns if show_ptr or c != PTR]


def _is_time_column(name: str, rows: list[dict[str, str]]) -> bool:
    if name in NAMED_TIME_COLUMNS:
        return True
    values = [row[name] for row in rows if row.get(name)]
    return bool(values) and all(_time_shape(v) is not None for v in values)


def _time_shape(value: str) -> str | None:
    if _SERVICE_TIME.fullmatch(value):
        return "service"
    if _ISO_UTC_TIME.fullmatch(value):
        return "iso"
    return None


def convert_time(value: str, zone: tzinfo) -> str:
    """A UTC time value shown in `zone`, keeping its shape; anything else is returned unchanged."""
    shape = _time_shape(value)
    if shape is None or zone is timezone.utc:
        return value
    if shape == "service":
        moment = _in_zone(datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc), zone)
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + _offset(moment)
    moment = _in_zone(datetime.fromisoformat(value[:-1] + "+00:00"), zone)
    fraction = value[19:-1]  # ".123" or "" — keep the precision the value had
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + _offset(moment)


def _offset(moment: datetime) -> str:
    text = moment.strftime("%z")  # +0100
    return f"{text[:3]}:{text[3:]}" if text else ""


def _shape(result: Result, options: RenderOptions, zone: tzinfo) -> _Table:
    columns = _visible_columns(result, options.show_ptr)
    time_columns = [c for c in columns if _is_time_column(c, result.rows)] if zone is not timezone.utc else []
    rows: list[dict[str, str]] = []
    for row in result.rows:
        shaped = {k: v for k, v in row.items() if options.show_ptr or k != PTR}
        for name in time_columns:
            if isinstance(shaped.get(name), str):
                shaped[name] = convert_time(shaped[name], zone)
        rows.append(shaped)
    return _Table(result, columns, rows)


def _tags(target: Target, query: str, with_source: bool) -> dict[str, str | None]:
    tags: dict[str, str | None] = {"@query": query, "@account": target.account, "@region": target.region}
    if with_source:
        tags[SOURCE_TAG] = target.source
    return tags


def _tag_columns(tables: list[_Table]) -> list[str]:
    with_source = any(t.result.target.source is not None for t in tables)
    return [*TAG_COLUMNS, SOURCE_TAG] if with_source else list(TAG_COLUMNS)


def _merged(tables: list[_Table]) -> tuple[list[str], list[dict[str, str | None]]]:
    """One table from several: tag columns first, then the union of columns in first-seen order."""
    tag_columns = _tag_columns(tables)
    with_source = SOURCE_TAG in tag_columns
    columns = list(tag_columns)
    for table in tables:
        columns.extend(c for c in table.columns if c not in columns)
    rows = [
        {**_tags(t.result.target, t.result.query, with_source), **row}
        for t in tables
        for row in t.rows
    ]
    return columns, rows


def title(result: Result) -> str:
    """How a result is named in titles and notices: `query · target`."""
    return f"{result.query} · {result.target.label()}"


# ---------------------------------------------------------------------------------------------
# Notices


def result_notices(result: Result) -> list[Notice]:
    """What went wrong with one result, one line each: its failure (`error:`), truncation and its
    warnings (input skipped, rows past a cap, part of a window failed). `run` and `check` both say them."""
    # Each notice is one line: a file or folder named `a\n::error::x` (a folder walk meets any name)
    # drew a line of its own, which CI runners read as a command. Line breaks are shown.
    name = visible(title(result))
    notices: list[Notice] = []
    if not result.ok:
        notices.append(Notice(f"error: {name}: {result.status}" + (f": {visible(result.error)}" if result.error else ""), Level.ERROR))
    if result.truncated:
        notices.append(Notice(f"warning: {name}: results truncated at {len(result.rows)} rows (more rows matched)", Level.LOST))
    notices.extend(Notice(f"warning: {name}: {visible(w)}", Level.LOST) for w in result.warnings)
    return notices


def _notices(results: list[Result], tables: list[_Table], options: RenderOptions) -> list[Notice]:
    notices: list[Notice] = []
    several = len(results) > 1
    for result in results:
        name = visible(title(result))
        notices.extend(result_notices(result))
        if result.rows and not options.show_ptr and not _visible_columns(result, False):
            notices.append(Notice(f"warning: {name}: {len(result.rows)} row(s) whose only column is {PTR}, which is hidden; "
                                  "pass --show-ptr to see it"))
    if options.format in ("table", "markdown"):
        # Merged or not, say which query × target found nothing: a missing block is easy to overlook.
        empty = [t for t in tables if t.result.ok and not t.rows]
        notices.extend(Notice("no rows" if not several else f"no rows: {title(t.result)}") for t in empty)
    return notices


# ---------------------------------------------------------------------------------------------
# Formats


def render(results: list[Result], options: RenderOptions) -> Rendered:
    """Render every result in `options.format`. Never prints; raises UsageError only for bad options."""
    zone = resolve_zone(options.tz)
    tables = [_shape(r, options, zone) for r in results]
    renderer = _RENDERERS[options.format]
    text = renderer(tables, options)
    return Rendered(text, _notices(results, tables, options))


# JSON allows these raw inside strings, but line-oriented readers (Python's str.splitlines,
# JavaScript before ES2019) treat them as line ends and would split one JSONL record in two.
_LINE_SEPARATORS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_text(value: object, option: int = 0) -> str:
    """`value` as JSON text, always valid UTF-8: a string holding bytes that are not UTF-8 (a file
    name or an argument, which Python keeps as lone surrogates) writes each such byte as `\\xNN`,
    the spelling tables and stderr use, rather than failing (orjson refuses lone surrogates)."""
    try:
        return orjson.dumps(value, option=option).decode()
    except TypeError:
        return orjson.dumps(_valid_unicode(value), option=option).decode()


_SURROGATE = re.compile("[\ud800-\udfff]")


def _byte_or_code(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def _valid_unicode(value: object) -> object:
    if isinstance(value, str):
        return _SURROGATE.sub(_byte_or_code, value)
    if isinstance(value, dict):
        return {_valid_unicode(k): _valid_unicode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_valid_unicode(v) for v in value]
    return value


def _dumps(value: object, option: int = 0) -> str:
    text = json_text(value, option)
    for raw, escaped in _LINE_SEPARATORS.items():
        if raw in text:  # only ever inside strings, where the escape means the same character
            text = text.replace(raw, escaped)
    return text


def _render_json(tables: list[_Table], options: RenderOptions) -> str:
    documents = []
    for table in tables:
        document = table.result.to_dict()
        document["columns"] = [c for c in document["columns"] if options.show_ptr or c != PTR]
        document["rows"] = table.rows
        documents.append(document)
    return _dumps(documents, orjson.OPT_INDENT_2) + "\n"


def _render_jsonl(tables: list[_Table], options: RenderOptions) -> str:
    tagged = len(tables) > 1
    with_source = tagged and SOURCE_TAG in _tag_columns(tables)
    lines = []
    for table in tables:
        tags = _tags(table.result.target, table.result.query, with_source) if tagged else {}
        for row in table.rows:
            ordered = {c: row[c] for c in table.columns if c in row}
            lines.append(_dumps({**tags, **ordered}))
    return "".join(line + "\n" for line in lines)


# OWASP's CSV-injection list: a spreadsheet evaluates a cell that starts with one of these.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_PLAIN_FIELD_NAME = re.compile(r"@?[A-Za-z_][A-Za-z0-9_.@]*")


def formula_safe(value: str) -> str | None:
    """The guarded spelling of a cell a spreadsheet would run (`'` + value), or None when it is safe."""
    if value.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return None


def _delimited_line(cells: list[str], delimiter: str, guard: bool, header: bool = False) -> str:
    """One RFC 4180 line. Guarded cells are always quoted; others only when they must be (as the csv module does)."""
    out = []
    for cell in cells:
        guarded = formula_safe(cell) if guard and not (header and _PLAIN_FIELD_NAME.fullmatch(cell)) else None
        text = cell if guarded is None else guarded
        # Quote a field holding the delimiter, a quote or a line end (a lone CR too: with CRLF line
        # ends a bare CR would otherwise split the row in some readers); a lone empty cell is `""`.
        if guarded is not None or any(ch in text for ch in (delimiter, '"', "\r", "\n")) or (text == "" and len(cells) == 1):
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    return delimiter.join(out) + "\r\n"


def _render_delimited(tables: list[_Table], delimiter: str, options: RenderOptions) -> str:
    rows: Sequence[Mapping[str, str | None]]  # one result's strings, or merged rows whose tags may be None
    if len(tables) == 1:
        columns, rows = tables[0].columns, tables[0].rows
    else:
        columns, rows = _merged(tables)
    if not columns:
        return ""
    guard = not options.csv_raw
    lines = [_delimited_line(list(columns), delimiter, guard, header=True)]
    for row in rows:
        lines.append(_delimited_line([_cell(row, c) for c in columns], delimiter, guard))
    return "".join(lines)


def _cell(row: Mapping[str, str | None], column: str) -> str:
    value = row.get(column)
    return "" if value is None else value


def _render_csv(tables: list[_Table], options: RenderOptions) -> str:
    return _render_delimited(tables, ",", options)


def _render_tsv(tables: list[_Table], options: RenderOptions) -> str:
    return _render_delimited(tables, "\t", options)


def _render_table(tables: list[_Table], options: RenderOptions) -> str:
    return _render_titled(tables, options, _draw_table)


def _render_markdown(tables: list[_Table], options: RenderOptions) -> str:
    return _render_titled(tables, options, _draw_markdown)


# Draws one table from its columns and rows: `_draw_table` or `_draw_markdown`.
_Draw = Callable[[list[str], list[dict[str, Any]], RenderOptions], str]


def _render_titled(tables: list[_Table], options: RenderOptions, draw: _Draw) -> str:
    """One table, one merged table, or one titled table per result with rows."""
    shown = [t for t in tables if t.result.ok or t.rows]
    if len(tables) == 1:
        table = tables[0]
        return draw(table.columns, table.rows, options) + "\n" if table.rows else ""
    if options.merge:
        columns, rows = _merged(shown)
        return draw(columns, rows, options) + "\n" if rows else ""
    blocks = []
    for table in shown:
        if table.rows:
            heading = _heading(table, options)
            blocks.append(f"{heading}\n{draw(table.columns, table.rows, options)}\n")
    return "\n".join(blocks)


def _heading(table: _Table, options: RenderOptions) -> str:
    count = len(table.rows)
    text = f"{title(table.result)} ({count} row{'s' if count != 1 else ''})"
    if options.format == "markdown":
        return f"### {markdown_cell(text)}\n"
    return text


def _draw_table(columns: list[str], rows: list[dict[str, Any]], options: RenderOptions) -> str:
    # One line per row, piped or not: a line break in a value must not draw what reads as another row.
    matrix = [["" if row.get(c) is None else visible(_one_line(row[c])) for c in columns] for row in rows]
    headers = list(columns)
    if options.width is not None and options.table_format not in MARKUP_TABLE_FORMATS:
        keep_whole = [c in TAG_COLUMNS or c == SOURCE_TAG or _is_time_column(c, rows) for c in columns]
        headers, matrix = _fit(headers, matrix, keep_whole, options)
    return _tabulate(headers, matrix, options.table_format)


def _tabulate(headers: list[str], matrix: list[list[str]], table_format: str) -> str:
    # disable_numparse: values are strings; "012345678901" is an account id, not a number to reformat.
    drawn: str = tabulate(matrix, headers=headers, tablefmt=table_format, disable_numparse=True, missingval="")
    return drawn


def _fit(
    headers: list[str], matrix: list[list[str]], keep_whole: list[bool], options: RenderOptions
) -> tuple[list[str], list[list[str]]]:
    """Shorten the widest columns until the drawn table fits the terminal.

    Time columns are never cut (a cut timestamp misleads), other columns not below
    MIN_COLUMN_WIDTH; when that is not enough the terminal wraps the table.
    """
    width = options.width
    assert width is not None
    natural = [max([len(h), *(len(row[i]) for row in matrix)]) for i, h in enumerate(headers)]
    minimums = [n if whole else min(n, MIN_COLUMN_WIDTH) for n, whole in zip(natural, keep_whole)]
    limits = list(natural)
    for _ in range(4):  # separators differ per table format: measure, shrink by the excess, repeat
        drawn = _tabulate([_shorten(h, w) for h, w in zip(headers, limits)], _cut(matrix, limits), options.table_format)
        excess = max(len(line) for line in drawn.splitlines()) - width
        if excess <= 0:
            break
        shrunk = shrink_widths(limits, sum(limits) - excess, minimums)
        if shrunk == limits:
            break
        limits = shrunk
    return [_shorten(h, w) for h, w in zip(headers, limits)], _cut(matrix, limits)


def shrink_widths(widths: list[int], budget: int, minimums: list[int]) -> list[int]:
    """Lower the widest columns first until the widths sum to `budget`, none below its minimum."""
    result = list(widths)
    while sum(result) > budget:
        movable = [i for i, w in enumerate(result) if w > minimums[i]]
        if not movable:
            break
        widest = max(result[i] for i in movable)
        wide = [i for i in movable if result[i] == widest]
        others = [result[i] for i in movable if result[i] < widest]
        runner_up = max(others) if others else 0
        # Lower the widest columns together, never past the runner-up, so the widest give way first.
        step = max(1, min(widest - runner_up, -(-(sum(result) - budget) // len(wide))))
        for i in wide:
            result[i] = max(minimums[i], widest - step)
    return result


def _cut(matrix: list[list[str]], limits: list[int]) -> list[list[str]]:
    return [[_shorten(v, w) for v, w in zip(row, limits)] for row in matrix]


def _shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: max(0, limit - 1)] + ELLIPSIS


def _one_line(value: str) -> str:
    """A table row is one line: show line breaks and tabs instead of breaking the row."""
    return value.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎").replace("\t", " ")


def _draw_markdown(columns: list[str], rows: list[dict[str, Any]], options: RenderOptions) -> str:
    return markdown_table(columns, [["" if row.get(c) is None else row[c] for c in columns] for row in rows])


def markdown_table(headers: list[str], matrix: list[list[str]], *, padded: bool = True) -> str:
    """A GitHub Markdown table (tabulate's github format), every header and cell escaped: the one
    Markdown table of `--format markdown` and of the check summary. `padded=False` leaves cells
    unaligned: the check summary is read rendered, and its lines stay as long as their data."""
    headers = [markdown_cell(h) for h in headers]
    matrix = [[markdown_cell(v) for v in row] for row in matrix]
    if padded:
        return _tabulate(headers, matrix, "github")
    drawn: str = tabulate(matrix, headers=headers, tablefmt="github", disable_numparse=True, missingval="", stralign=None, numalign=None)
    return drawn


def markdown_cell(value: str) -> str:
    """A pipe or a line break would end the cell early, `<b>` in log data would render as HTML, and
    `[text](url)`, `*`, `_`, `` ` `` and `~` as links and formatting (a user agent could put a link on a
    job's summary page): escape them the way GitHub renders, so the cell shows the text as it is."""
    text = html.escape(value, quote=False)
    text = text.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")
    return _MARKDOWN_SPECIAL.sub(r"\\\g<0>", visible(text))


# Backslash (the escape itself), pipe (ends a cell), and what would make a link or format text.
_MARKDOWN_SPECIAL = re.compile(r"[\\|\[\]*_`~]")


_RENDERERS = {
    "table": _render_table,
    "markdown": _render_markdown,
    "json": _render_json,
    "jsonl": _render_jsonl,
    "csv": _render_csv,
    "tsv": _render_tsv,
}


# ---------------------------------------------------------------------------------------------
# --stats

BYTES_PER_GB = 1024**3  # AWS bills "per GB" in binary gigabytes
DEFAULT_PRICE_PER_GB = 0.005


def estimated_cost_usd(bytes_scanned: float, price_per_gb: float = DEFAULT_PRICE_PER_GB) -> float:
    return bytes_scanned / BYTES_PER_GB * price_per_gb


def format_statistics(results: Iterable[Result], price_per_gb: float = DEFAULT_PRICE_PER_GB) -> str:
    """Records scanned and matched, bytes scanned, estimated cost and elapsed time, per query × target (+ total)."""
    results = list(results)
    headers = ["query", "target", "status", "records scanned", "records matched", "bytes scanned", "est. cost (USD)", "elapsed"]
    rows = [
        [r.query, r.target.label(), r.status, *_stat_cells(r.statistics.records_scanned, r.statistics.records_matched,
                                                            r.statistics.bytes_scanned, r.statistics.elapsed_seconds, price_per_gb)]
        for r in results
    ]
    if len(results) > 1:
        scanned = sum(r.statistics.records_scanned for r in results)
        matched = sum(r.statistics.records_matched for r in results)
        scanned_bytes = sum(r.statistics.bytes_scanned for r in results)
        # Queries run concurrently: the run took as long as its slowest query, not the sum.
        elapsed = max(r.statistics.elapsed_seconds for r in results)
        rows.append(["total", f"{len(results)} results", "", *_stat_cells(scanned, matched, scanned_bytes, elapsed, price_per_gb)])
    text = tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True,
                    colalign=("left", "left", "left", "right", "right", "right", "right", "right"))
    inputs = [f"input {title(r)}: {coverage_line(r.coverage)}" for r in results if has_coverage(r.coverage)]
    return "\n".join([text, *inputs, f"(cost estimated at ${price_per_gb:g} per GB scanned)"]) + _extra_statistics(results)


def has_coverage(coverage: Coverage) -> bool:
    """Whether a backend filled this coverage (one that did not leaves it empty, which is not "nothing read")."""
    return bool(coverage.searched or coverage.files_read or coverage.records_read or coverage.gaps_total)


def skipped_summary(coverage: Coverage) -> str:
    """`N skipped` with what they were: `3 skipped (1 folder, 2 records)`."""
    kinds: dict[str, int] = {}
    for gap in coverage.gaps:
        kinds[gap.kind] = kinds.get(gap.kind, 0) + 1
    shown = ", ".join(f"{n} {kind}{'s' * (n != 1)}" for kind, n in kinds.items())
    more = coverage.gaps_total - len(coverage.gaps)
    return f"{coverage.gaps_total} skipped ({shown}{f', {more} more' if more else ''})"


def first_gaps(coverage: Coverage, count: int = 3) -> str:
    # One line whatever the names: a file named `a\nb` would otherwise draw a line of its own.
    shown = "; ".join(visible(f"{g.where}: {g.reason}") for g in coverage.gaps[:count])
    return shown + (" ..." if coverage.gaps_total > count else "")


# Where a local run's inputs come from (engine._origin); other origins are log groups or tables.
LOCAL_ORIGINS = frozenset({"folder", "file", "glob", "stdin", "stream"})
# Gaps that name a place on AWS rather than a file.
REMOTE_GAP_KINDS = frozenset({"region", "account", "log-group"})


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"


def coverage_line(coverage: Coverage) -> str:
    """One line on what a result read and skipped: files for local input, places searched otherwise."""
    local = coverage.files_read or coverage.files_skipped or any(s.origin in LOCAL_ORIGINS for s in coverage.searched)
    # A place that could not be searched (a region, account or log group) is not "0 files".
    remote = not local and (coverage.searched or any(g.kind in REMOTE_GAP_KINDS for g in coverage.gaps))
    where = f"{len(coverage.searched):,} searched" if remote else _plural(coverage.files_read, "file")
    read = f"{where}, {_plural(coverage.records_read, 'record')} read"
    if coverage.complete:
        return f"{read}; nothing skipped"
    return f"{read}; {skipped_summary(coverage)}: {first_gaps(coverage)}"


def _extra_statistics(results: list[Result]) -> str:
    """Statistics beyond the table's (field-index skips, log groups scanned, any new one), one line per result."""
    lines = []
    for r in results:
        if r.statistics.extra:
            figures = ", ".join(f"{name} {value:,.0f}" for name, value in sorted(r.statistics.extra.items()))
            lines.append(f"{r.query} on {r.target.label()}: {figures}")
    return "".join("\n" + line for line in lines)


def _stat_cells(scanned: float, matched: float, scanned_bytes: float, elapsed_seconds: float, price_per_gb: float) -> list[str]:
    return [
        f"{scanned:,.0f}",
        f"{matched:,.0f}",
        human_bytes(scanned_bytes),
        format_cost(estimated_cost_usd(scanned_bytes, price_per_gb)),
        f"{elapsed_seconds:.1f}s",
    ]


def human_bytes(count: float) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_cost(usd: float) -> str:
    if usd == 0:
        return "$0"
    if usd < 0.0001:
        return "<$0.0001"
    return f"${usd:,.4f}"
