"""`--engine duckdb`: the compiled SQL on DuckDB over the same files the interpreter reads.

DuckDB is an optional extra (`pip install 'trailq[duckdb]'`). The records' fields the query
needs are read once into a temporary table (so the run can say how many records it read), then
the rest of the query runs on it. Returns the same Result as the interpreter; never prints.
"""

from __future__ import annotations

import os
import time
from typing import Any, Sequence

from trailq.errors import QueryFailedError, UsageError
from trailq.lang.ast import Query
from trailq.result import COMPLETE, Coverage, Gap, Result, Searched, Statistics, Target
from trailq.sql.compiler import DEFAULT_ROWS, CompiledQuery, compile_query
from trailq.sql.render import render_rows
from trailq.sql.shapes import DuckDBFiles
from trailq.timerange import TimeRange

EXTRA_HINT = "pip install 'trailq[duckdb]'"
RECORDS_TABLE = "trailq_records"


def import_duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise UsageError(f"--engine duckdb needs DuckDB, an optional extra: {EXTRA_HINT}") from None
    return duckdb


def compile_for_files(query: Query, files: Sequence[str], time_range: TimeRange | None) -> CompiledQuery:
    return compile_query(query, DuckDBFiles(tuple(files)), time_range)


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
    collected = collect_sources(sources)
    compiled = compile_for_files(query, collected.files or ["-"], time_range)  # refuses before reading
    target = Target(source=label or source_label(sources))
    coverage = Coverage(searched=[Searched(s, "file" if os.path.isfile(s) else "folder") for s in dict.fromkeys(sources)])
    warnings = collected.warnings()
    if not collected.files:
        coverage.add_gap(Gap("input", source_label(sources), "no CloudTrail file found"))
        return Result(query=name, target=target, columns=[n for n, _ in compiled.columns], status=COMPLETE,
                      warnings=warnings + ["no CloudTrail file found"], text=query.text, coverage=coverage)
    connection = connect()
    try:
        dialect = compiled.dialect
        connection.execute(f"CREATE TEMP TABLE {RECORDS_TABLE} AS {dialect.sql(compiled.base, pretty=False)}")
        total, untimed, in_window = connection.execute(_counts_sql(compiled, time_range)).fetchone()
        rows = connection.execute(dialect.sql(compiled.over_table(RECORDS_TABLE), pretty=False)).fetchall()
    except Exception as exc:  # duckdb.Error: unreadable or corrupt input, named by DuckDB
        if not type(exc).__module__.startswith("duckdb") and "duckdb" not in type(exc).__module__:
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
                        "(add `| limit N` to choose, up to 100000)")
    if untimed and time_range is not None:
        coverage.add_gap(Gap("record", target.label(), f"{untimed} records without a parsable eventTime could not be placed in the time range"))
        warnings.append(f"{untimed} records have no parsable eventTime and were skipped (a time range was given)")
    coverage.files_read = len(collected.files)
    coverage.records_read = int(total)
    statistics = Statistics(
        records_matched=float(in_window),
        records_scanned=float(total),
        bytes_scanned=float(sum(os.path.getsize(f) for f in collected.files if os.path.exists(f))),
        elapsed_seconds=time.monotonic() - started,
    )
    return Result(
        query=name, target=target, columns=[n for n, _ in compiled.columns], rows=render_rows(rows, compiled.columns),
        statistics=statistics, status=COMPLETE, truncated=truncated, warnings=warnings, text=query.text, coverage=coverage,
    )


def _counts_sql(compiled: CompiledQuery, time_range: TimeRange | None) -> str:
    from sqlglot import exp

    from trailq.sql.expressions import is_null
    from trailq.sql.shapes import time_between

    moment = exp.column("@timestamp", quoted=True)
    in_window = time_between(moment, time_range) if time_range is not None else exp.true()
    select = exp.select(
        exp.Count(this=exp.Star()),
        exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=is_null(moment))),
        exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=in_window)),
    ).from_(exp.to_table(RECORDS_TABLE, quoted=True))
    return compiled.dialect.sql(select, pretty=False)
