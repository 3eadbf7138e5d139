"""What `trailq run` and `trailq check` do between the command line and the backends.

Selecting queries (catalog names, tags, ad-hoc text), rendering their parameters, choosing the
time range, and calling the local engine or the CloudWatch backend. Returns Results; never prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from trailq import lang
from trailq.catalog import Catalog, textfiles
from trailq.errors import EXIT_OK, EXIT_QUERY_FAILED, CatalogError, QueryFailedError, UnsupportedLocally, UsageError, worst_exit_code
from trailq.result import Level, Notice, ProgressEvent, Result, Target
from trailq.source import Span
from trailq.state import StateFile, nothing_new, target_key
from trailq.timerange import TimeRange, iso_seconds, resolve

if TYPE_CHECKING:
    from trailq.aws import AwsPlan

ADHOC_NAME = "query"
# Local engines: the interpreter (default, the reference) and DuckDB on the compiled SQL.
LOCAL_ENGINES = ("interpreter", "duckdb")


@dataclass(frozen=True)
class QueryToRun:
    """A query ready to send: its name, rendered text, and what the catalog says about it."""

    name: str
    text: str
    since: str | None = None
    log_groups: tuple[str, ...] = ()
    origin: str = "query"
    language: str = "CWLI"  # the catalog's `language`: CWLI (Logs Insights), SQL or PPL (OpenSearch)
    adhoc: bool = False  # --query / --query-file: no catalog name to key --state by

    @property
    def state_key(self) -> str:
        """The --state entry of this query: its catalog name, or for ad-hoc text a digest of the text.

        Two different `--query` texts must not share a watermark (the second would start where the
        first stopped and miss everything before), and the same text must find its own again.
        The digest is of the canonical text (`lang.to_text`), so spacing and line breaks do not
        matter; text the parser cannot read is taken with its runs of whitespace collapsed.
        """
        if not self.adhoc:
            return self.name
        return f"{ADHOC_NAME}:{hashlib.sha256(_canonical(self.text).encode()).hexdigest()[:16]}"


def _canonical(text: str) -> str:
    from trailq.errors import QueryError

    try:
        return lang.to_text(lang.parse(text))
    except QueryError:
        return " ".join(text.split())


def state_keys(queries: Sequence[QueryToRun]) -> dict[str, str]:
    """Query name → --state entry, for `Windows`."""
    return {q.name: q.state_key for q in queries}


@dataclass(frozen=True)
class Selection:
    """Which queries a user asked for, before rendering."""

    names: tuple[str, ...] = ()
    run_all: bool = False
    tags: tuple[str, ...] = ()
    query_text: str | None = None
    query_file: str | None = None
    only_checks: bool = False


def select(catalog: Catalog, selection: Selection, params: dict[str, str]) -> list[QueryToRun]:
    """Resolve names/tags/--all/--query into rendered queries. Raises UsageError or CatalogError."""
    adhoc = _adhoc(selection)
    if adhoc is not None:
        if selection.names or selection.run_all or selection.tags:
            raise UsageError("give catalog query names (or --all/--tag) or --query/--query-file, not both")
        if params:
            raise CatalogError(f"ad-hoc queries take no parameters (got {', '.join(params)})")
        if selection.only_checks:
            raise CatalogError("an ad-hoc query carries no check", hint="put it in a catalog with a `check`, or use `trailq run`")
        return [adhoc]
    if selection.run_all and (selection.names or selection.tags):
        raise UsageError("--all runs every query; give it without names or --tag")
    if selection.run_all or (selection.only_checks and not selection.names and not selection.tags):
        chosen = list(catalog.queries.values())
    else:
        chosen = catalog.select(selection.names, selection.tags)
    if selection.only_checks:
        chosen = [q for q in chosen if q.check is not None] if not selection.names else chosen
        unchecked = [q.name for q in chosen if q.check is None]
        if unchecked:
            raise CatalogError(f"query '{unchecked[0]}' has no check", hint="`trailq list` shows which queries carry a check")
    if not chosen:
        what = "carries a check" if selection.only_checks else "matches"
        raise UsageError(f"no query {what}", hint="name queries, or use --all, --tag TAG, --query TEXT")
    if params and len(chosen) > 1:
        unknown = [p for p in params if not any(p in q.params for q in chosen)]
        if unknown:
            raise CatalogError(f"parameter '{unknown[0]}' is not declared by any selected query")
    return [
        QueryToRun(
            name=q.name,
            text=q.render({k: v for k, v in params.items() if k in q.params or len(chosen) == 1}),
            since=q.since,
            log_groups=q.log_groups,
            origin=q.origin,
            language=q.language,
        )
        for q in chosen
    ]


def _adhoc(selection: Selection) -> QueryToRun | None:
    if selection.query_text is not None and selection.query_file is not None:
        raise UsageError("give --query or --query-file, not both")
    if selection.query_text is not None:
        return QueryToRun(ADHOC_NAME, selection.query_text, adhoc=True)
    if selection.query_file is not None:
        path = Path(selection.query_file)
        try:
            return QueryToRun(path.stem, textfiles.read_text(path), origin=str(path), adhoc=True)
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--query-file {path}: cannot read: {exc}") from None
    return None


@dataclass(frozen=True)
class TimeFlags:
    """--since / --start / --end as given, resolved against one `now` for the whole run."""

    since: str | None = None
    start: str | None = None
    end: str | None = None
    now: datetime | None = None

    @property
    def given(self) -> bool:
        return self.since is not None or self.start is not None or self.end is not None

    def window(self, default_since: str | None) -> TimeRange | None:
        """The window from the flags; with none, the catalog's default (None: no time filter)."""
        if not self.given:
            return resolve(since=default_since, now=self.now) if default_since else None
        return resolve(since=self.since, start=self.start, end=self.end, default_since=default_since or "24h", now=self.now)


def local_window(flags: TimeFlags, state_since: str | None) -> tuple[TimeRange | None, list[Notice]]:
    """A local run's window and, for any part of it the user did not ask for, a notice saying so.

    Local runs have no default window. `--end` alone reads every event up to it. With --state and
    no --since/--start, the first window starts at the catalog's `since` (`state_since`) before
    now: a periodic audit needs a start, and reading the whole archive every first run is not
    what a schedule wants; the notice gives the window so the user sees what was left out."""
    if flags.since is None and flags.start is None and flags.end is not None:
        end = flags.window(default_since=None)
        assert end is not None
        return TimeRange(_EARLIEST, end.end), [Notice(f"note: --end without --since/--start: reading every event up to "
                                                      f"{iso_seconds(end.end)} (local runs have no default window)", Level.CHANGED)]
    window = flags.window(default_since=None)
    if window is None and state_since is not None:
        window = flags.window(state_since)
        assert window is not None
        return window, [Notice(f"note: --state without --since/--start: the first window is the catalog's since ({state_since}) "
                               f"before now, {window.describe()}; events before it are not read (give --since or --start to choose)",
                               Level.CHANGED)]
    return window, []


# Before any CloudTrail event (CloudTrail started in 2013): the start of an open-ended local window.
_EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)


def source_label(sources: Sequence[str], sample: bool) -> str:
    """How a local target is named: `sample` for the bundled trail alone, else the engine's label."""
    from trailq.engine import source_label as engine_label

    return "sample" if sample and len(sources) == 1 else engine_label(sources)


def run_local(
    queries: Sequence[QueryToRun],
    *,
    sources: Sequence[str],
    label: str,
    window: TimeRange | None,
    strict: bool = False,
    stdin: BinaryIO | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    state: Windows | None = None,
    engine: str = LOCAL_ENGINES[0],
    deadline: float | None = None,
    parse_every_line: bool = False,
) -> tuple[list[Result], list[Notice]]:
    """Every query over the same local sources, and run-level notices. Query errors raise before anything is read.

    With `state`, windows come from it (starting from `window`); recording them is left to the
    caller, after the output is written (a run whose output was lost must be read again).
    """
    from trailq import engine as interpreter

    other = next((q for q in queries if q.language != "CWLI"), None)
    if other is not None:
        first_line = len(other.text.split("\n", 1)[0])
        raise UnsupportedLocally(f"{other.name} is written in {other.language} (OpenSearch); it runs on CloudWatch only, "
                                 "the local interpreter reads Logs Insights (CWLI) queries",
                                 span=Span(0, first_line), text=other.text, origin=other.origin,
                                 hint="drop --source/--sample to run it on CloudWatch Logs")
    parsed = [(q, lang.parse(q.text, origin=q.origin)) for q in queries]
    for _, tree in parsed:
        if engine == "duckdb":
            from trailq.sql.duckdb_run import compile_for_files, import_duckdb

            import_duckdb()
            compile_for_files(tree, ["-"], window)  # what SQL cannot express is refused before anything runs
        else:
            interpreter.check_supported(tree)
    streams = [s for s in dict.fromkeys(sources) if interpreter.is_stream(s)] if len(parsed) > 1 else []
    with spooled_streams(streams, stdin, deadline) as spooled:
        return _run_local_queries(parsed, sources, label, window, strict, stdin, on_progress, state, deadline,
                                  parse_every_line, spooled, engine)


@contextlib.contextmanager
def spooled_streams(streams: Sequence[str], stdin: BinaryIO | None, deadline: float | None = None) -> Iterator[dict[str, str]]:
    """Each stream (stdin, a FIFO, /dev/fd/N) copied once to a temporary file, so that several queries
    can read it (a stream can be read only once); the copies are removed afterwards. Copying stops at
    the run's `deadline` (time.monotonic()): the queries then find it passed, and their Results are
    Timeouts naming what was not read (a stream that never ends is not copied forever)."""
    spooled: dict[str, str] = {}
    try:
        for stream in streams:
            if stream == "-" and stdin is None:
                raise UsageError("--source -: no standard input to read")
            try:
                source = stdin if stream == "-" and stdin is not None else open(stream, "rb")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise UsageError(f"--source {stream}: cannot read: {exc.strerror or exc}") from None
            try:
                handle, copy = tempfile.mkstemp(prefix="trailq-stream-", suffix=".spool")
                spooled[stream] = copy
                with os.fdopen(handle, "wb") as out:
                    _copy_until(source, out, deadline)
            except OSError as exc:  # a full disk, most likely: the copy is what failed
                raise QueryFailedError(f"--source {stream}: copying the stream for the queries that read it failed: "
                                       f"{exc.strerror or exc} (in {tempfile.gettempdir()}; TMPDIR sets the folder)") from None
            finally:
                if source is not stdin:
                    source.close()
        yield spooled
    finally:
        for copy in spooled.values():
            with contextlib.suppress(OSError):
                os.unlink(copy)


def _copy_until(source: BinaryIO, out: BinaryIO, deadline: float | None) -> None:
    if deadline is None:
        shutil.copyfileobj(source, out, 1 << 20)
        return
    # read1: what the pipe has (up to 1 MB), not a wait for a full megabyte. A stream that sends
    # nothing at all blocks here; the command line's deadline alarm ends that wait.
    read = getattr(source, "read1", source.read)
    while time.monotonic() < deadline:
        chunk = read(1 << 20)
        if not chunk:
            return
        out.write(chunk)


def _run_local_queries(
    parsed: list[tuple[QueryToRun, lang.Query]], sources: Sequence[str], label: str, window: TimeRange | None, strict: bool,
    stdin: BinaryIO | None,
    on_progress: Callable[[ProgressEvent], None] | None, state: Windows | None, deadline: float | None,
    parse_every_line: bool, spooled: dict[str, str], engine: str,
) -> tuple[list[Result], list[Notice]]:
    from trailq import engine as interpreter

    results: list[Result] = []
    notices: list[Notice] = []
    for q, tree in parsed:
        query_window = window
        if state is not None and window is not None:
            query_window = state.window_for(q.name, Target(source=label), window)
            if query_window is None:
                notices.append(nothing_new(q.name, label))
                continue
        if engine == "duckdb":
            from trailq.sql.duckdb_run import run_duckdb

            if strict:
                raise UsageError("--strict applies to the interpreter; --engine duckdb stops at the first unreadable input")
            results.append(run_duckdb(tree, name=q.name, sources=sources, time_range=query_window, label=label))
            continue
        results.append(interpreter.run_local(
            tree, name=q.name, sources=sources, time_range=query_window, strict=strict, stdin=stdin,
            on_progress=on_progress, label=label, deadline=deadline, parse_every_line=parse_every_line, spooled=spooled,
        ))
    if state is not None:
        notices.extend(state.notices)
    return results, notices


class Windows:
    """--state for one run: each query × target gets the window after the one it last completed.

    One state file per run, however many windows the run's queries ask for, so that recording
    never overwrites another group's watermarks.
    """

    def __init__(
        self,
        path: str,
        settle_seconds: float,
        now: datetime | None = None,
        *,
        keys: Mapping[str, str] | None = None,
        explicit_start: bool = False,
    ) -> None:
        self.file = StateFile(path)
        self.settle_seconds = settle_seconds
        self.now = now
        self.keys = dict(keys or {})  # query name → state entry (ad-hoc text is keyed by its digest)
        self.explicit_start = explicit_start  # --start was given: say when a recorded point overrides it
        self.used: dict[tuple[str, str], TimeRange] = {}
        self.notices: list[Notice] = []

    def window_for(self, query: str, target: Target, requested: TimeRange) -> TimeRange | None:
        key = target_key(target)
        entry = self.keys.get(query, query)
        recorded = self.file.covered_until(entry, key)
        window = self.file.window(entry, key, requested, self.settle_seconds, now=self.now)
        if recorded is not None and self.explicit_start:
            # The state file wins (docs/ci.md): a scheduled job must not re-read or skip time
            # because of a flag left in its command line; say so, as the flag was explicit.
            self.notices.append(Notice(
                f"note: {query} on {target.label()}: --start ignored; --state {self.file.path} continues "
                f"after {iso_seconds(recorded)} (delete that entry to start again from --start)", Level.CHANGED,
            ))
        if window is not None:
            self.used[(query, key)] = window
        return window

    def record(self, results: Sequence[Result]) -> None:
        """Remember every complete, untruncated result's window, then save atomically.

        Call it only once the results are safely out (printed or written): a watermark moved past
        rows nobody saw would hide them from every later run.
        """
        for result in results:
            window = self.used.get((result.query, target_key(result.target)))
            if window is not None:
                self.file.record_result(result, window, self.keys.get(result.query))
        self.file.save()


@dataclass
class AwsRun:
    """Everything one CloudWatch run produced, over every group of queries."""

    results: list[Result] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)  # "query-id (query on account region)": stopped by the abort
    still_running: list[str] = field(default_factory=list)  # StopQuery failed: results can be fetched with --resume
    exit_code: int = EXIT_OK
    windows: dict[str, TimeRange] = field(default_factory=dict)  # each query's requested window
    state: Windows | None = None
    recordable: list[Result] = field(default_factory=list)  # results of groups that were not aborted

    def commit_state(self) -> None:
        """Record the --state windows of this run (after its output is written)."""
        if self.state is not None:
            self.state.record(self.recordable)


def _partial_output(reason: object, results: Sequence[Result], never_run: Sequence[str]) -> Notice:
    """After a Ctrl-C, SIGTERM or --timeout: one line saying the output is partial and how much of it is whole."""
    complete = sum(r.ok for r in results)
    line = (f"error: {reason}: the output is partial: {complete} of {len(results)} query × target results completed; "
            "the others are marked Cancelled or Timeout")
    if never_run:
        line += f"; not started at all: {', '.join(never_run)}"
    return Notice(line, Level.ERROR)


def _windows_of(state: Windows, window: TimeRange) -> Callable[[str, Target], TimeRange | None]:
    """Each query × target's own window under --state (None: nothing new since the last run)."""
    return lambda name, target: state.window_for(name, target, window)


def run_aws(
    queries: Sequence[QueryToRun],
    plan: AwsPlan,
    *,
    flags: TimeFlags,
    state_path: str | None,
    settle_seconds: float,
    cancel: threading.Event | None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    catalog_log_groups: bool = False,
    discover_default: bool = False,
) -> AwsRun:
    """Run on CloudWatch. Queries whose window, log groups or language differ run as separate groups.

    With `catalog_log_groups`, each query runs on its own catalog log groups (the command line
    named none); otherwise every query runs on the plan's. With `discover_default` (no --log-group,
    no --discover/--no-discover), a query whose catalog log groups are the built-in default is run
    on every CloudTrail log group discovery finds instead; one discovery cache serves the whole run.
    """
    from trailq import aws

    groups: dict[tuple[str | None, tuple[str, ...], str], list[QueryToRun]] = {}
    for q in queries:
        own = catalog_log_groups and q.log_groups and not (discover_default and q.log_groups == aws.BUILTIN_LOG_GROUPS)
        key = (None if flags.given else q.since, q.log_groups if own else (), q.language)
        groups.setdefault(key, []).append(q)
    run = AwsRun(state=Windows(
        state_path, settle_seconds, flags.now, keys=state_keys(queries), explicit_start=flags.start is not None,
    ) if state_path else None)
    cache = aws.DiscoveryCache()
    for index, ((default_since, log_groups, language), group) in enumerate(groups.items()):
        window = flags.window(default_since or "24h")
        assert window is not None
        state = run.state
        group_plan = dataclasses.replace(plan, language=language)
        if log_groups:
            group_plan = dataclasses.replace(group_plan, log_groups=log_groups, discover=False, log_groups_origin="catalog")
        outcome = aws.run(
            [(q.name, q.text) for q in group], group_plan, window, cancel=cancel, on_progress=on_progress,
            window_for=_windows_of(state, window) if state else None,
            cache=cache,
        )
        error = outcome.query_error()
        if error is not None:
            raise error
        if not outcome.aborted:
            run.recordable.extend(outcome.results)
        run.results.extend(outcome.results)
        run.windows.update({q.name: window for q in group})
        run.notices.extend(outcome.warnings)
        run.notices.extend(nothing_new(query, target) for query, target in outcome.skipped)
        run.stopped.extend(f"{a.query_id} ({a.query} on account {a.account} {a.region})" for a in outcome.abandoned if a.stopped)
        run.still_running.extend(
            f"{a.query_id} ({a.query} on account {a.account} {a.region})" for a in outcome.abandoned if not a.stopped
        )
        run.exit_code = worst_exit_code(run.exit_code, outcome.exit_code)
        if outcome.aborted:
            # Queries of later groups never started: each gets a Cancelled/Timeout Result, so a check
            # cannot pass by their absence (not even with --allow-partial).
            never_run = [q for later in list(groups.values())[index + 1:] for q in later]
            run.notices.append(_partial_output(outcome.aborted, run.results, [q.name for q in never_run]))
            reason = outcome.aborted
            run.results.extend(Result(query=q.name, target=Target(), text=q.text, status=reason.status,
                                      error=f"{reason.why} before this query started", error_exit_code=EXIT_QUERY_FAILED)
                               for q in never_run)
            break
    if run.state is not None:
        run.notices.extend(run.state.notices)
    return run
