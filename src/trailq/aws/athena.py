"""The Athena backend: catalog queries compiled to SQL over the CloudTrail table of a trail's S3 archive.

One query's life: StartQueryExecution → poll GetQueryExecution with the CloudWatch backend's ramp,
budgets and deadline → page GetQueryResults → Result. On Ctrl-C, SIGTERM or the deadline, every
query still QUEUED or RUNNING gets StopQueryExecution (its own short timeout) and its id is
reported. The time window becomes partition predicates plus an eventtime filter, accounts and
regions partition predicates (trailq.sql.athena_table). boto3 only through aws/session.py.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from trailq.aws.budget import Aborted, Buckets, CallFailed, Kind, Runtime, exit_code_for
from trailq.aws.insights import Caller, PollRamp
from trailq.aws.session import error_code, error_message
from trailq.errors import EXIT_ACCESS, EXIT_INTERRUPTED, EXIT_OK, EXIT_QUERY_FAILED, EXIT_QUERY_INVALID, QueryFailedError
from trailq.lang.analysis import DEFAULT_ROW_LIMIT as DEFAULT_ROWS
from trailq.lang.ast import Query
from trailq.result import (
    CANCELLED,
    COMPLETE,
    ERROR,
    FAILED,
    TIMEOUT,
    Coverage,
    Gap,
    Notice,
    Result,
    Searched,
    Statistics,
    Target,
    exit_code_of,
)
from trailq.sql.athena_table import AthenaTable
from trailq.sql.compiler import CompiledQuery, compile_query
from trailq.sql.render import render_rows
from trailq.timerange import TimeRange

LIVE_STATES = ("QUEUED", "RUNNING")
PAGE_SIZE = 1000  # GetQueryResults' maximum
# Athena's list price per TB of data scanned (us-east-1; `--price-per-tb` overrides it).
DEFAULT_PRICE_PER_TB = 5.0
BYTES_PER_TB = 1024**4
_SYNTAX = re.compile(r"SYNTAX_ERROR|mismatched input|line \d+:\d+", re.I)


@dataclass(frozen=True)
class AthenaPlan:
    table: str  # database.table
    workgroup: str | None = None
    output_location: str | None = None
    accounts: tuple[str, ...] = ()  # partition predicates
    regions: tuple[str, ...] = ()  # partition predicates
    timeout_seconds: float = 900.0
    price_per_tb: float = DEFAULT_PRICE_PER_TB

    def shape(self) -> AthenaTable:
        return AthenaTable(self.table, accounts=self.accounts, regions=self.regions)

    def start_params(self, sql: str) -> dict[str, Any]:
        # Athena's idempotency token, fixed for every retry of this start: botocore would make a new one
        # per call, and a retry after a lost answer would then run (and bill) the query twice.
        params: dict[str, Any] = {"QueryString": sql, "ClientRequestToken": str(uuid.uuid4())}
        if self.workgroup:
            params["WorkGroup"] = self.workgroup
        if self.output_location:
            params["ResultConfiguration"] = {"OutputLocation": self.output_location}
        return params


@dataclass
class AthenaOutcome:
    results: list[Result] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)  # "id (query)": stopped by the abort
    still_running: list[str] = field(default_factory=list)  # StopQueryExecution failed
    notices: list[Notice] = field(default_factory=list)  # costs, said with --stats
    aborted: str | None = None  # "interrupted" or "deadline"

    @property
    def exit_code(self) -> int:
        if self.aborted == "interrupted":
            return EXIT_INTERRUPTED
        if self.aborted:
            return EXIT_QUERY_FAILED
        return exit_code_of(self.results) if self.results else EXIT_OK


def compile_all(queries: Sequence[tuple[str, Query]], plan: AthenaPlan, window: TimeRange | None) -> list[tuple[str, Query, CompiledQuery]]:
    """Compile every query first: what SQL cannot express is refused (exit 7) before any call."""
    return [(name, tree, compile_query(tree, plan.shape(), window)) for name, tree in queries]


def run(
    queries: Sequence[tuple[str, Query]],
    plan: AthenaPlan,
    window: TimeRange | None,
    *,
    client: Any,
    stop_client: Any | None = None,
    region: str = "",
    cancel: threading.Event | None = None,
    runtime: Runtime | None = None,
    ramp: PollRamp | None = None,
    windows: dict[str, TimeRange | None] | None = None,
) -> AthenaOutcome:
    """Run queries one after the other on Athena. `windows` gives a query its own window (--state)."""
    runtime = runtime or Runtime(deadline=time.monotonic() + plan.timeout_seconds, stop=cancel or threading.Event())
    ramp = ramp or PollRamp()
    caller = Caller(client, "athena", region, Buckets(None, runtime.clock), runtime)
    outcome = AthenaOutcome()
    compiled = [(name, tree, compile_query(tree, plan.shape(), (windows or {}).get(name, window)))
                for name, tree in queries]
    for name, tree, query in compiled:
        target = Target(region=region or None, source=f"athena:{plan.table}")
        query_id: str | None = None
        started = runtime.clock()
        try:
            query_id = str(caller.call("StartQueryExecution", plan.start_params(query.sql(pretty=False)))["QueryExecutionId"])
            result, engine_ms = _wait_and_read(caller, query_id, name, tree, query, target, plan, ramp, started)
            if result.ok and not result.rows and not result.statistics.bytes_scanned:
                # No row from no data: a table whose LOCATION is wrong answers every check with 0 rows.
                # `SELECT 1 ... LIMIT 1` over the same partitions tells an empty table from a query Athena
                # proved empty without reading (a `filter false`); an abort from here stops the probe.
                probe = plan.shape().any_record_sql(query.time_range)
                query_id = str(caller.call("StartQueryExecution", plan.start_params(probe))["QueryExecutionId"])
                why_not = _no_data_reason(caller, query_id, ramp)
                if why_not is not None:
                    result.coverage.add_gap(Gap("input", _searched(plan, query), why_not))
                    result.warnings.append(why_not)
        except CallFailed as failed:
            result = _call_failed(name, target, tree, query_id, failed)
        except Aborted:
            reason = "interrupted" if runtime.stop.is_set() else "deadline"
            outcome.aborted = reason
            if query_id is not None:
                line = f"{query_id} ({name})"
                (outcome.stopped if stop(stop_client or client, query_id) else outcome.still_running).append(line)
            outcome.results.append(Result(name, target, status=CANCELLED if reason == "interrupted" else TIMEOUT,
                                          error=f"stopped: {'interrupted' if reason == 'interrupted' else 'the run deadline passed'}",
                                          error_exit_code=EXIT_QUERY_FAILED, query_ids=[query_id] if query_id else [],
                                          text=tree.text))
            break
        if result.ok:
            outcome.notices.append(Notice(f"athena: {name}: query {query_id} scanned {int(result.statistics.bytes_scanned):,} bytes "
                                          f"(est. ${result.statistics.bytes_scanned / BYTES_PER_TB * plan.price_per_tb:.4f} at "
                                          f"${plan.price_per_tb:g}/TB), engine time {engine_ms / 1000:.1f}s, "
                                          f"wall {result.statistics.elapsed_seconds:.1f}s"))
        outcome.results.append(result)
    return outcome


def _wait_and_read(caller: Caller, query_id: str, name: str, tree: Query, query: CompiledQuery, target: Target,
                   plan: AthenaPlan, ramp: PollRamp, started: float) -> tuple[Result, float]:
    """The query's Result and Athena's engine time in ms (EngineExecutionTimeInMillis)."""
    execution = _finished(caller, query_id, ramp)
    status = execution.get("Status") or {}
    state = str(status.get("State", "UNKNOWN"))
    statistics = _statistics(execution, caller.runtime.clock() - started)
    engine_ms = float((execution.get("Statistics") or {}).get("EngineExecutionTimeInMillis", 0) or 0)
    if state != "SUCCEEDED":
        reason = _reason(status, state)
        code = _failure_exit_code(status, reason) if state == "FAILED" else EXIT_QUERY_FAILED
        return Result(name, target, statistics=statistics, status=FAILED if state == "FAILED" else CANCELLED,
                      error=f"athena query {query_id} {state.lower()}: {reason}", error_exit_code=code,
                      query_ids=[query_id], text=tree.text), engine_ms
    rows = _read_all(caller, query_id)
    warnings: list[str] = []
    truncated = query.default_limit and len(rows) > DEFAULT_ROWS
    if truncated:
        rows = rows[:DEFAULT_ROWS]
        warnings.append(f"more than {DEFAULT_ROWS} rows matched; showing the first {DEFAULT_ROWS} (add `| limit N` to choose)")
    statistics.records_matched = float(len(rows))
    coverage = Coverage(searched=[Searched(_searched(plan, query), "athena")])
    return Result(name, target, columns=[n for n, _ in query.columns], rows=render_rows(rows, query.columns),
                  statistics=statistics, status=COMPLETE, truncated=truncated, warnings=warnings, query_ids=[query_id],
                  text=tree.text, coverage=coverage), engine_ms


def _finished(caller: Caller, query_id: str, ramp: PollRamp) -> dict[str, Any]:
    """GetQueryExecution's QueryExecution once the query is neither QUEUED nor RUNNING."""
    delays = ramp.delays()
    while True:
        caller.runtime.pause(next(delays))
        execution: dict[str, Any] = caller.call("GetQueryExecution", {"QueryExecutionId": query_id})["QueryExecution"]
        if str((execution.get("Status") or {}).get("State", "UNKNOWN")) not in LIVE_STATES:
            return execution


def _reason(status: dict[str, Any], state: str) -> str:
    return str(status.get("StateChangeReason") or (status.get("AthenaError") or {}).get("ErrorMessage") or state)


def _no_data_reason(caller: Caller, query_id: str, ramp: PollRamp) -> str | None:
    """None when the probe query (AthenaTable.any_record_sql) read something; else why no verdict can
    rest on a result with no rows."""
    execution = _finished(caller, query_id, ramp)
    status = execution.get("Status") or {}
    state = str(status.get("State", "UNKNOWN"))
    if state != "SUCCEEDED":
        return f"could not tell whether the table holds data: athena query {query_id} {state.lower()}: {_reason(status, state)}"
    if _statistics(execution, 0.0).bytes_scanned:
        return None
    return ("Athena scanned no data: no file of the table lies in these partitions (check the table's LOCATION, "
            "--account, --region and the window)")


def _searched(plan: AthenaPlan, query: CompiledQuery) -> str:
    parts = [f"athena:{plan.table}"]
    if plan.accounts:
        parts.append("accounts " + ",".join(plan.accounts))
    if plan.regions:
        parts.append("regions " + ",".join(plan.regions))
    if query.time_range is not None:
        parts.append(f"{query.time_range.start:%Y-%m-%d}..{query.time_range.end:%Y-%m-%d}")
    return " ".join(parts)


def _read_all(caller: Caller, query_id: str) -> list[list[str | None]]:
    """Every result row; the first row of the first page is the column header (Athena's CSV result)."""
    rows: list[list[str | None]] = []
    params: dict[str, Any] = {"QueryExecutionId": query_id, "MaxResults": PAGE_SIZE}
    first = True
    while True:
        page = caller.call("GetQueryResults", params)
        for i, row in enumerate((page.get("ResultSet") or {}).get("Rows") or []):
            if first and i == 0:
                continue
            rows.append([cell.get("VarCharValue") for cell in row.get("Data") or []])
        first = False
        token = page.get("NextToken")
        if not token:
            return rows
        params = {**params, "NextToken": token}


def _statistics(execution: dict[str, Any], elapsed_seconds: float) -> Statistics:
    raw = execution.get("Statistics") or {}
    return Statistics(bytes_scanned=float(raw.get("DataScannedInBytes", 0) or 0), elapsed_seconds=elapsed_seconds)


def _failure_exit_code(status: dict[str, Any], reason: str) -> int:
    """3 when Athena rejected the SQL itself, 4 on access, else 5."""
    if "access denied" in reason.lower() or "accessdenied" in reason.lower():
        return EXIT_ACCESS
    category = (status.get("AthenaError") or {}).get("ErrorCategory")
    if _SYNTAX.search(reason) or category == 2 and "TABLE_NOT_FOUND" not in reason:
        return EXIT_QUERY_INVALID
    return EXIT_QUERY_FAILED


def _call_failed(name: str, target: Target, tree: Query, query_id: str | None, failed: CallFailed) -> Result:
    code = exit_code_for(failed.kind)
    if error_code(failed.cause) == "InvalidRequestException" and _SYNTAX.search(failed.detail):
        code = EXIT_QUERY_INVALID
    return Result(name, target, status=ERROR, error=f"athena: {failed.action}: {failed.detail}", error_exit_code=code,
                  query_ids=[query_id] if query_id else [], text=tree.text)


def stop(client: Any, query_id: str) -> bool:
    """StopQueryExecution once (the client has short timeouts); never raises."""
    try:
        client.stop_query_execution(QueryExecutionId=query_id)
        return True
    except Exception:  # noqa: BLE001 - finished already, network gone: cleanup goes on
        return False


def run_statement(statement: str, *, workgroup: str | None, output_location: str | None, profile: str | None,
                  region: str | None, timeout_seconds: float = 300.0) -> str:
    """Run one statement (a CREATE TABLE) and wait for it; the query id, or an error with Athena's message."""
    from trailq.aws.session import open_accounts

    account = open_accounts([profile] if profile else [])[0]
    where = region or account.home_region
    plan = AthenaPlan(table="-.-", workgroup=workgroup, output_location=output_location, timeout_seconds=timeout_seconds)
    runtime = Runtime(deadline=time.monotonic() + timeout_seconds)
    caller = Caller(account.client("athena", where), account.key, where, Buckets(None, runtime.clock), runtime)
    try:
        query_id = str(caller.call("StartQueryExecution", plan.start_params(statement))["QueryExecutionId"])
        delays = PollRamp().delays()
        while True:
            runtime.pause(next(delays))
            status = caller.call("GetQueryExecution", {"QueryExecutionId": query_id})["QueryExecution"].get("Status") or {}
            state = status.get("State")
            if state == "SUCCEEDED":
                return query_id
            if state not in LIVE_STATES:
                error = QueryFailedError(f"athena query {query_id} {str(state).lower()}: {status.get('StateChangeReason', '')}")
                error.exit_code = _failure_exit_code(status, str(status.get("StateChangeReason", "")))
                raise error
    except CallFailed as failed:
        error = QueryFailedError(f"athena: {failed.action}: {error_message(failed.cause)}")
        error.exit_code = EXIT_ACCESS if failed.kind is Kind.ACCESS else EXIT_QUERY_FAILED
        raise error from None
    except Aborted:
        raise QueryFailedError("athena: the statement did not finish in time") from None
