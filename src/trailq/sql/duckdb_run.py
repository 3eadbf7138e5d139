"""`--engine duckdb`: the compiled SQL on DuckDB over the same files the interpreter reads.

DuckDB is an optional extra (`pip install 'trailq[duckdb]'`). The records' fields the query
needs are read once into a temporary table (so the run can say how many records it read), then
the rest of the query runs on it. Returns the same Result as the interpreter; never prints.
"""

from __future__ import annotations

import gzip
import json
import os
import time
import zlib
from collections.abc import Sequence
from typing import Any

from trailq.errors import QueryFailedError, UsageError
from trailq.lang.analysis import DEFAULT_ROW_LIMIT as DEFAULT_ROWS
from trailq.lang.ast import Query
from trailq.lang.commands import MAX_LIMIT  # the service's ceiling for one query
from trailq.result import COMPLETE, Coverage, Gap, Result, Searched, Statistics, Target
from trailq.sql.compiler import CompiledQuery, compile_query
from trailq.sql.render import render_rows
from trailq.sql.shapes import DuckDBFiles
from trailq.timerange import TimeRange

EXTRA_HINT = "pip install 'trailq[duckdb]'"


def import_duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise UsageError(f"--engine duckdb needs DuckDB, an optional extra: {EXTRA_HINT}") from None
    return duckdb


def compile_for_files(query: Query, files: Sequence[str], time_range: TimeRange | None,
                      groups: tuple[tuple[tuple[str, ...], bool, bool], ...] = ()) -> CompiledQuery:
    return compile_query(query, DuckDBFiles(tuple(files), groups), time_range)


def file_groups(files: Sequence[str]) -> tuple[tuple[tuple[str, ...], bool, bool], ...]:
    """Files grouped by (JSON lines?, gzip?), decided from their bytes as the interpreter decides."""
    from trailq.engine import blocks
    from trailq.engine.inputs import HEAD_BYTES, unreadable_kind
    from trailq.engine.sources import sniff

    hint = "the interpreter (the default engine) skips unreadable files and reports them"
    grouped: dict[tuple[bool, bool], list[str]] = {}
    for path in files:
        try:
            with open(path, "rb") as raw:
                gz = raw.read(2) == b"\x1f\x8b"
            with (gzip.open(path, "rb") if gz else open(path, "rb")) as stream:
                # Bounded as the interpreter reads: an unbounded readline on /dev/zero filled memory
                # inside one C call, where neither Ctrl-C nor the --timeout alarm could stop it.
                why = unreadable_kind(stream.peek(HEAD_BYTES)[:HEAD_BYTES])
                if why is not None:
                    raise QueryFailedError(f"{path}: {why}", hint=hint)
                lines = sniff(blocks.bounded_readline(stream.readline))[1]
        except blocks.TextTooLong:
            raise QueryFailedError(f"{path}: a line of over {blocks.MAX_TEXT_BYTES >> 20} MiB among its first lines, not read",
                                   hint=hint) from None
        except (OSError, EOFError, zlib.error) as exc:
            raise QueryFailedError(f"{path}: unreadable: {exc}", hint=hint) from None
        grouped.setdefault((lines, gz), []).append(path)
    return tuple((tuple(paths), lines, gz) for (lines, gz), paths in grouped.items())


def connect() -> Any:
    duckdb = import_duckdb()
    connection = duckdb.connect(":memory:")
    # Times without an offset are UTC, as in the interpreter; DuckDB would take the machine's zone.
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def run_duckdb(
    query: Query,
    *,
    name: str,
    sources: Sequence[str],
    time_range: TimeRange | None,
    label: str | None = None,
) -> Result:
    """Run one parsed query on DuckDB. Raises NotCompilable (exit 7) before reading anything."""
    from trailq.engine import source_label
    from trailq.engine.sources import collect_sources

    started = time.monotonic()
    import_duckdb()
    if "-" in sources:
        raise UsageError("--engine duckdb reads files; stdin (--source -) needs the interpreter")
    compile_for_files(query, ["-"], time_range)  # refuses before reading anything
    collected = collect_sources(sources)
    target = Target(source=label or source_label(sources))
    coverage = Coverage(searched=[Searched(s, "file" if os.path.isfile(s) else "folder") for s in dict.fromkeys(sources)])
    warnings = collected.warnings()
    groups = file_groups(collected.files)
    compiled = compile_for_files(query, collected.files or ["-"], time_range, groups)
    if not collected.files:
        coverage.add_gap(Gap("input", source_label(sources), "no CloudTrail file found"))
        return Result(query=name, target=target, columns=[n for n, _ in compiled.columns], status=COMPLETE,
                      warnings=warnings + ["no CloudTrail file found"], text=query.text, coverage=coverage)
    connection = connect()
    try:
        # The profile's operator counts say how many records were read, without a second pass.
        connection.execute("SET enable_profiling = 'no_output'")
        rows = connection.execute(compiled.sql(pretty=False)).fetchall()
        records = records_read(connection)
        if records == 0:  # nothing there, or DuckDB proved no row can match and skipped the scan
            records = _records_in(connection, collected.files, groups)
    except Exception as exc:  # duckdb.Error: unreadable or corrupt input, named by DuckDB
        if "duckdb" not in type(exc).__module__:
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryFailedError(f"duckdb could not read the input: {first}",
                               hint="the interpreter (the default engine) skips unreadable lines and reports them") from None
    finally:
        connection.close()
    truncated = compiled.default_limit and len(rows) > DEFAULT_ROWS
    if truncated:
        rows = rows[:DEFAULT_ROWS]
        warnings.append(f"more than {DEFAULT_ROWS} rows matched; showing the first {DEFAULT_ROWS}, as the service would "
                        f"(add `| limit N` to choose, up to {MAX_LIMIT})")
    coverage.files_read = len(collected.files)
    coverage.records_read = records
    if records == 0:  # as the interpreter: "no rows" over files that hold no record is no verdict
        coverage.add_gap(Gap("input", target.label(), "no record was read from the sources"))
        if not warnings:
            warnings.append(f"no record was read from the sources ({len(collected.files)} file(s) found, none holding a record)")
    statistics = Statistics(
        records_matched=float(len(rows)),
        records_scanned=float(records),
        bytes_scanned=float(sum(os.path.getsize(f) for f in collected.files if os.path.exists(f))),
        elapsed_seconds=time.monotonic() - started,
    )
    return Result(
        query=name, target=target, columns=[n for n, _ in compiled.columns], rows=render_rows(rows, compiled.columns),
        statistics=statistics, status=COMPLETE, truncated=truncated, warnings=warnings, text=query.text, coverage=coverage,
    )


def _records_in(connection: Any, files: Sequence[str], groups: tuple[tuple[tuple[str, ...], bool, bool], ...]) -> int:
    """The records of the files, counted by a query of their own (read as every query reads them)."""
    from trailq.lang import parse

    connection.execute(compile_for_files(parse("stats count(*)"), files, None, groups).sql(pretty=False)).fetchall()
    return records_read(connection)


def records_read(connection: Any) -> int:
    """Records the last query read: the rows of the UNNEST above each JSON scan (one per record,
    a `Records` wrapper counting its records), from DuckDB's profile of that query."""
    profile = json.loads(connection.get_profiling_information(format="json"))
    total = 0
    stack = list(profile.get("children") or profile.get("operator") or [])
    while stack:
        node = stack.pop()
        children = node.get("children") or []
        if node.get("type") == "UNNEST" and any(c.get("type") == "TABLE_SCAN" for c in children):
            total += int(node.get("intermediate_rows") or node.get("operator_cardinality") or 0)
            continue
        stack.extend(children)
    return total
