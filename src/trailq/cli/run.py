"""`trailq run` and `trailq check`: their options, the backend choice, rendering and exit codes.

Part of the command line (it prints and exits); the work itself is in runs.py and the backends.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from trailq import catalog as catalog_mod
from trailq import errors, runs
from trailq.catalog.params import parse_assignments
from trailq.cli.base import (
    ATHENA,
    LOCAL,
    RESUME,
    Execution,
    RunOptions,
    ScopedOption,
    account_options,
    catalog_option,
    main,
    option_group,
    param_option,
    refused_flags,
    say,
    signal_exit_code,
)
from trailq.lang.commands import MAX_LIMIT
from trailq.reporting.destinations import ALLOW_FLAG, check_destinations
from trailq.reporting.fileio import STDOUT, check_writable, write_atomic
from trailq.reporting.output import DEFAULT_PRICE_PER_GB, FORMATS, RenderOptions, result_notices
from trailq.reporting.streams import write_stdout
from trailq.result import QUIET_KEEPS, Level, Notice, Result, exit_code_of
from trailq.timerange import TimeRange, iso_seconds, parse_duration_seconds

if TYPE_CHECKING:
    from trailq.reporting.progress import ProgressDisplay

# Which runs refuse an option (ScopedOption): `run --resume`, local (--source/--sample) and --athena runs.
_WITH_RESUME = frozenset({RESUME})
_WITH_ATHENA = frozenset({ATHENA})
_CLOUDWATCH_ONLY = frozenset({RESUME, LOCAL, ATHENA})  # CloudWatch's own: log groups, discovery, StartQuery limit, console

selection_options = option_group(
    click.argument("names", nargs=-1),
    click.option("--all", "run_all", is_flag=True, help="Every query in the catalog."),
    click.option("--tag", "tags", multiple=True, help="Queries with this tag (repeatable)."),
    click.option("--query", "query_text", help="Ad-hoc query text instead of catalog names."),
    click.option("--query-file", type=click.Path(dir_okay=False), help="Ad-hoc query text from a file."),
)
time_options = option_group(
    click.option("--since", cls=ScopedOption, refused_with=_WITH_RESUME,
                 help="Window ending now: 15m, 12h, 7d, 2w. [default: on CloudWatch the catalog's (24h); locally, "
                 "no time filter, except a first --state window, which starts at the catalog's since (stated on stderr)]"),
    click.option("--start", cls=ScopedOption, refused_with=_WITH_RESUME,
                 help="Window start: ISO 8601 (naive = UTC) or relative (2h)."),
    click.option("--end", cls=ScopedOption, refused_with=_WITH_RESUME,
                 help="Window end: ISO 8601, relative, or now. Alone: on CloudWatch the catalog's since (24h) "
                 "before it; locally every event up to it (stated on stderr)."),
)
local_options = option_group(
    click.option("--source", "sources", multiple=True, metavar="PATH", cls=ScopedOption, refused_with=_WITH_ATHENA,
                 help="Run locally on CloudTrail files: file, folder, glob, - for stdin (repeatable)."),
    click.option("--sample", is_flag=True, cls=ScopedOption, refused_with=_WITH_ATHENA,
                 help="Run locally on the bundled sample trail."),
    click.option("--strict", is_flag=True, cls=ScopedOption, refused_with=_WITH_RESUME | _WITH_ATHENA,
                 help="Local: any skipped input (an unreadable folder, file or line, a record "
                 "without a time in a window) is an error (exit 5), not a warning."),
    click.option("--engine", type=click.Choice(runs.LOCAL_ENGINES), default=runs.LOCAL_ENGINES[0], show_default=True,
                 help="Local: the interpreter (the reference) or DuckDB on the compiled SQL (pip install 'trailq[duckdb]')."),
)
aws_options = option_group(
    click.option("--log-group", "log_groups", multiple=True, metavar="NAME|ARN|PREFIX*", cls=ScopedOption,
                 refused_with=_CLOUDWATCH_ONLY, help="Log group(s) to query (repeatable)."),
    click.option("--discover/--no-discover", default=None, cls=ScopedOption, refused_with=_CLOUDWATCH_ONLY,
                 help="Find every CloudTrail log group per account and region (the default without --log-group); "
                      "--no-discover queries the catalog's log groups as named."),
    account_options,
    click.option("--limit", type=click.IntRange(1, MAX_LIMIT), cls=ScopedOption, refused_with=_CLOUDWATCH_ONLY,
                 help="Rows per query (StartQuery limit)."),
    click.option("--timeout", default=None, help="Deadline for the whole run. [default: 15m on CloudWatch; none locally] "
                 "Locally, reading stops there: exit 5 with the rows of the part read, the rest reported unread."),
    click.option("--concurrency", type=click.IntRange(1, 100), default=20, show_default=True,
                 help="Queries running at once per account and region."),
    click.option("--state", "state_file", type=click.Path(dir_okay=False), cls=ScopedOption, refused_with=_WITH_RESUME,
                 help="Remember where each window ended; the next run starts there (and wins over --start, said on stderr)."),
    click.option("--settle", default="5m", show_default=True,
                 help="With --state: keep the window's end this far behind now (ingestion delay)."),
)
# --stats and --quiet: what goes to stderr, for `run` and `check` alike.
report_options = option_group(
    click.option("--stats", "show_stats", is_flag=True, help="Records scanned and matched, bytes, estimated cost, time (stderr)."),
    click.option("--price-per-gb", type=click.FloatRange(min=0), default=DEFAULT_PRICE_PER_GB, show_default=True,
                 help="USD per GB scanned, for --stats."),
    click.option("--quiet", "-q", is_flag=True,
                 help="No progress and no warnings on stderr (errors, truncation, skipped input and windows nobody "
                      "asked for are still shown)."),
)
# Reports never overwrite or land among the records a run reads (destinations.py).
allow_output_option = click.option(
    ALLOW_FLAG, "allow_output_in_source", is_flag=True,
    help="Allow --output/--junit/--state inside a --source folder (the next run over it reads them as input).",
)
_WRITE_HELP = " (atomically; - is stdout; a missing folder is created, and said on stderr)."
check_output_options = option_group(
    click.option("--output", "output_file", type=click.Path(dir_okay=False, allow_dash=True),
                 help="Write the summary to FILE" + _WRITE_HELP),
    allow_output_option,
    report_options,
)
output_options = option_group(
    click.option("--format", "fmt", type=click.Choice(FORMATS),
                 default="table", show_default=True),
    click.option("--table-format", default=None, help="Any tabulate format name, for --format table."),
    click.option("--output", "output_file", type=click.Path(dir_okay=False, allow_dash=True),
                 help="Write the result to FILE" + _WRITE_HELP),
    allow_output_option,
    click.option("--csv-raw", is_flag=True, help="csv/tsv: write cells as they are, without the guard against "
                 "spreadsheet formulas (a cell starting with = + - @ tab or CR gets a leading ')."),
    click.option("--merge", is_flag=True, help="One table for every query and target, with query/account/region columns."),
    report_options,
    click.option("--show-ptr", is_flag=True, help="Show the @ptr column."),
    click.option("--tz", default="UTC", show_default=True, help="Show times in this zone (UTC, local, Europe/Paris, ...)."),
)


# What to run, when, and where: shared by `run` and `check`.
from trailq.cli.sql import athena_options  # noqa: E402  (run/check --athena)

query_options = option_group(catalog_option, param_option, selection_options, time_options, local_options, aws_options,
                             athena_options)


@main.command()
@query_options
@click.option("--resume", "resume_ids", multiple=True, metavar="QUERY_ID",
              help="Fetch the results of earlier CloudWatch queries (with --region).")
@click.option("--console-url", is_flag=True, cls=ScopedOption, refused_with=_CLOUDWATCH_ONLY,
              help="Print, per region, the Logs Insights console link for the query.")
@output_options
def run(**kwargs: Any) -> None:
    """Run catalog queries (or --query TEXT) locally (--source/--sample) or on CloudWatch Logs."""
    o = RunOptions(**kwargs)
    if o.resume_ids:
        sys.exit(_resume(o))
    options = _render_options(o)  # a bad --format/--tz/--table-format fails before anything runs
    _check_destinations(o, {"--output": o.output_file, "--state": o.state_file})
    execution = _execute(o, only_checks=False)
    _emit(execution.results, o, options)
    execution.commit_state()  # only now: the rows are out
    _say(execution.notices, o)
    if o.console_url:
        _console_links(execution)
    sys.exit(execution.exit_code)


def _resume(o: RunOptions) -> int:
    """`run --resume ID`: fetch earlier CloudWatch queries; Ctrl-C while waiting exits 130."""
    from trailq import aws
    from trailq.aws.interrupts import cancel_on_signals

    if o.names or o.query_text or o.query_file or o.run_all or o.tags:
        raise errors.UsageError("--resume fetches earlier queries; give no query names or --query with it")
    if o.sources or o.sample:
        raise errors.UsageError("--resume fetches CloudWatch queries, not --source/--sample runs")
    ignored = refused_flags(o, RESUME)
    if ignored:
        raise errors.UsageError(f"{ignored[0]} does not apply to --resume (the query already ran with its own)")
    options = _render_options(o)
    _check_destinations(o, {"--output": o.output_file})
    with cancel_on_signals() as signals:
        results = aws.resume(o.resume_ids, o.aws_plan(), cancel=signals.event)
    _emit(results, o, options)
    return errors.EXIT_INTERRUPTED if signals.interrupted() else exit_code_of(results)


@main.command()
@query_options
@check_output_options
@click.option("--junit", "junit_file", type=click.Path(dir_okay=False),
              help="Write a JUnit XML report to FILE (a missing folder is created, and said on stderr).")
@click.option("--findings/--no-findings", default=True, show_default=True,
              help="Print the rows behind each failed check after the summary.")
@click.option("--allow-partial", is_flag=True,
              help="Accept partial input: a check that found nothing passes even though input was skipped "
                   "(unreadable files, folders or records; nothing read), saying how much. Without it such a check "
                   "could not judge (exit 5).")
def check(**kwargs: Any) -> None:
    """Run the queries that carry a check; exit 1 when a check finds something, 5 when a query could not run.

    Fail closed: a check that finds nothing passes only when all its input was read. With input
    skipped (or no record read at all) it "could not judge" (exit 5) unless --allow-partial.
    """
    from trailq.reporting import checks

    o = RunOptions(**kwargs)
    if o.allow_partial and o.strict:
        raise errors.UsageError("--allow-partial accepts skipped input and --strict refuses it: give one of them")
    cat = catalog_mod.load(o.catalogs)
    _check_destinations(o, {"--output": o.output_file, "--junit": o.junit_file, "--state": o.state_file})
    execution = _execute(o, only_checks=True, cat=cat)
    verdicts = checks.evaluate(execution.results, {q.name: q.check for q in cat.queries.values() if q.check is not None},
                               allow_partial=o.allow_partial)
    _write_text(o.output_file, checks.summary_table(verdicts) + _findings(execution.results, verdicts, o))
    if o.junit_file:
        commands = {r.query: reproduce_command(r.query, o, execution.windows.get(r.query)) for r in execution.results}
        write_atomic(o.junit_file, checks.junit_xml(verdicts, commands))
    notices = checks.append_github_step_summary(verdicts)
    execution.commit_state()  # last: the findings are in the summary, the JUnit file and the step summary
    for result in execution.results:
        notices += result_notices(result)
    _say(notices + execution.notices, o)
    _report_statistics(execution.results, o)
    code = checks.exit_code(verdicts)
    sys.exit(code if execution.exit_code in (errors.EXIT_OK, errors.EXIT_QUERY_FAILED) else execution.exit_code)


def reproduce_command(name: str, o: RunOptions, window: TimeRange | None = None) -> str:
    """The `trailq run NAME ...` that shows the same query over the same scope: catalogs, parameters,
    sources, accounts, regions, log groups, discovery and the exact window the check covered."""
    import shlex

    args = ["trailq", "run", name]
    repeated = [("--catalog", o.catalogs), ("-p", o.params), ("--source", o.sources), ("--profile", o.profiles),
                ("--role-arn", o.role_arns), ("--region", o.regions), ("--log-group", o.log_groups)]
    for flag, values in repeated:
        for value in values:
            args += [flag, value]
    if o.external_id:
        args += ["--external-id", "EXTERNAL_ID"]  # a shared secret: not written into reports
    if o.role_session_name not in (None, "trailq"):
        args += ["--role-session-name", o.role_session_name]
    if o.discover is not None:
        args.append("--discover" if o.discover else "--no-discover")
    if o.sample:
        args.append("--sample")
    if window is not None:  # the exact window: a relative --since would cover another one tomorrow
        args += ["--start", iso_seconds(window.start), "--end", iso_seconds(window.end)]
    else:
        for flag, given in (("--since", o.since), ("--start", o.start), ("--end", o.end)):
            if given:
                args += [flag, given]
    if o.limit:
        args += ["--limit", str(o.limit)]
    return shlex.join(args)


def _check_destinations(o: RunOptions, named: dict[str, str | None]) -> None:
    """Before anything runs: each file writable, none a --source or inside one, no file named twice.

    A folder that writing will create (a CI job's first `reports/`) is said on stderr.
    """
    for flag, path in named.items():
        if path == STDOUT and flag != "--output":
            raise errors.UsageError(f"{flag} -: give a file name (only --output writes to stdout)")
        created = check_writable(path, flag)
        if created is not None:
            _say([Notice(f"note: {flag} {path}: folder {created} does not exist; it will be created", Level.CHANGED)], o)
    check_destinations(named, o.sources, allow_in_source=o.allow_output_in_source)


def _findings(results: list[Result], verdicts: list[Any], o: RunOptions) -> str:
    """The rows behind each failed check, as titled tables after the summary (CI logs show them)."""
    from trailq.reporting import output

    if not o.findings:
        return ""
    failed = {(v.query, v.target) for v in verdicts if v.outcome == "fail" and v.offending_rows}
    shown = [r for r in results if (r.query, r.target) in failed]
    if not shown:
        return ""
    options = output.RenderOptions(format="table", merge=False, width=_terminal_width(o))
    titled = output.render(shown, options).text
    if len(shown) == 1:  # render() titles tables only when there are several
        count = len(shown[0].rows)
        titled = f"{output.title(shown[0])} ({count} row{'s' * (count != 1)})\n{titled}"
    return "\n\nfindings:\n\n" + titled


def _terminal_width(o: RunOptions) -> int | None:
    to_stdout = o.output_file in (None, STDOUT)
    return shutil.get_terminal_size().columns if to_stdout and sys.stdout is not None and sys.stdout.isatty() else None


def _execute(o: RunOptions, *, only_checks: bool, cat: catalog_mod.Catalog | None = None) -> Execution:
    """Select, render and run the queries the options name, on the backend they choose."""
    cat = cat or catalog_mod.load(o.catalogs)
    selection = runs.Selection(
        names=o.names, run_all=o.run_all, tags=o.tags, query_text=o.query_text,
        query_file=o.query_file, only_checks=only_checks,
    )
    queries = runs.select(cat, selection, parse_assignments(o.params))
    from trailq.catalog.validation import query_warnings

    # Warnings never block a run: the service may accept what trailq is unsure of.
    _say([Notice(w) for q in queries for w in query_warnings(q.text, q.origin)], o)
    progress = _progress(o)
    try:
        if o.athena_table:
            from trailq.cli.sql import execute_athena

            return execute_athena(queries, o, progress)
        if o.sources or o.sample:
            return _execute_local(queries, o, progress, only_checks)
        return _execute_aws(queries, o, progress)
    finally:
        if progress is not None:
            progress.close()


def _execute_local(queries: list[runs.QueryToRun], o: RunOptions, progress: Any, only_checks: bool = False) -> Execution:
    from trailq import engine

    aws_only = refused_flags(o, LOCAL)
    if aws_only:
        raise errors.UsageError(f"{aws_only[0]} applies to CloudWatch runs, not to --source/--sample")
    sources = list(o.sources) + (engine.sample_sources() if o.sample else [])
    label = runs.source_label(sources, o.sample)
    deadline = None
    if o.timeout is not None:
        deadline = time.monotonic() + parse_duration_seconds(o.timeout, "--timeout")
    flags = o.time_flags()
    window, window_notices = runs.local_window(flags, state_since=(queries[0].since or "24h") if o.state_file else None)
    state = runs.Windows(o.state_file, o.settle_seconds(), flags.now, keys=runs.state_keys(queries),
                         explicit_start=o.start is not None) if o.state_file else None
    stdin = sys.stdin.buffer if "-" in sources else None
    with _sigterm_fails_the_run(), _deadline_backstop(deadline, o.timeout):
        results, notices = runs.run_local(
            queries, sources=sources, label=label, window=window, strict=o.strict, stdin=stdin,
            on_progress=progress, state=state, engine=o.engine, deadline=deadline, parse_every_line=only_checks,
        )
    notices = window_notices + notices
    commit = (lambda: state.record(results)) if state is not None else (lambda: None)
    return Execution(results, notices, exit_code_of(results), {}, commit)


@contextlib.contextmanager
def _signal_fails_the_run(signum: int, message: str) -> Iterator[None]:
    """`signum` during a local run: stop, clean up (workers, temporary copies) and exit 5 with one line
    (the handler raises where the run is; the `with` blocks on the way out clean up)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def fail(signum: int, frame: object) -> None:
        raise errors.QueryFailedError(message)

    previous = signal.signal(signum, fail)
    try:
        yield
    finally:
        signal.signal(signum, previous)


def _sigterm_fails_the_run() -> contextlib.AbstractContextManager[None]:
    """SIGTERM (a CI job's timeout): exit 5 with one line, as a CloudWatch run does; not a silent kill."""
    return _signal_fails_the_run(signal.SIGTERM, "terminated (SIGTERM) while reading local sources; nothing was written")


# How long after --timeout a local run that has not stopped by itself is stopped by an alarm.
DEADLINE_GRACE_SECONDS = 5.0


@contextlib.contextmanager
def _deadline_backstop(deadline: float | None, timeout: str | None) -> Iterator[None]:
    """The local --timeout is checked between blocks and files; a read that blocks (a pipe or FIFO that
    sends nothing) never reaches a check. An alarm DEADLINE_GRACE_SECONDS past the deadline ends such a
    wait with exit 5 and one line, as SIGTERM does."""
    if deadline is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    message = (f"--timeout {timeout} passed and the run did not stop by itself (an input that sends nothing more, "
               "or a step that cannot stop midway); nothing was written")
    with _signal_fails_the_run(signal.SIGALRM, message):
        signal.setitimer(signal.ITIMER_REAL, max(0.001, deadline - time.monotonic() + DEADLINE_GRACE_SECONDS))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _execute_aws(queries: list[runs.QueryToRun], o: RunOptions, progress: Any) -> Execution:
    from trailq.aws.interrupts import cancel_on_signals

    if o.strict:
        raise errors.UsageError("--strict applies to --source/--sample runs")
    if o.engine != runs.LOCAL_ENGINES[0]:
        raise errors.UsageError("--engine applies to --source/--sample runs")
    flags = o.time_flags()
    flags.window(default_since=queries[0].since or "24h")  # bad flags fail before any call
    plan = o.aws_plan()
    with cancel_on_signals() as signals:
        outcome = runs.run_aws(
            queries, plan, flags=flags, state_path=o.state_file, settle_seconds=o.settle_seconds(),
            cancel=signals.event, on_progress=progress,
            # Each query's own catalog log groups, unless the command line names some (or --discover).
            catalog_log_groups=not o.log_groups and not o.discover,
            discover_default=o.discover is None and not o.log_groups,
        )
    exit_code = signal_exit_code(outcome.exit_code, signals)
    notices = list(outcome.notices)
    if outcome.stopped:
        notices.append(Notice("error: queries stopped by the abort: " + "; ".join(outcome.stopped), Level.ERROR))
    if outcome.still_running:
        notices.append(Notice("error: queries that could not be stopped and are still running on CloudWatch (results kept "
                              "7 days: `trailq run --resume ID --region R`): " + "; ".join(outcome.still_running), Level.ERROR))
    return Execution(outcome.results, notices, exit_code, outcome.windows, outcome.commit_state)


def _console_links(execution: Execution) -> None:
    """One Logs Insights console link per query and region, with that query's own window."""
    from trailq.reporting import console

    for query, window in execution.windows.items():
        for link in console.console_links([r for r in execution.results if r.query == query], window):
            click.echo(link.line(), err=True)


def _progress(o: RunOptions) -> ProgressDisplay | None:
    """A live progress display on stderr, only on a terminal and without --quiet."""
    if o.quiet or not sys.stderr.isatty():
        return None
    from trailq.reporting.progress import ProgressDisplay

    return ProgressDisplay(sys.stderr)


def _render_options(o: RunOptions) -> RenderOptions:
    from trailq.reporting import output

    return output.RenderOptions(
        format=o.fmt, table_format=o.table_format or output.DEFAULT_TABLE_FORMAT,
        show_ptr=o.show_ptr, tz=o.tz, merge=o.merge, width=_terminal_width(o),
        csv_raw=o.csv_raw,
    )


def _emit(results: list[Result], o: RunOptions, options: RenderOptions | None = None) -> None:
    """Render results to stdout or --output, then notices and --stats to stderr."""
    from trailq.reporting import output

    rendered = output.render(results, options or _render_options(o))
    _write_text(o.output_file, rendered.text)
    _say(rendered.notices, o)
    _report_statistics(results, o)


def _report_statistics(results: list[Result], o: RunOptions) -> None:
    if o.show_stats:
        from trailq.reporting import output

        click.echo(output.format_statistics(results, o.stats_price_per_gb), err=True)


def _say(notices: list[Notice], o: RunOptions) -> None:
    """Notices to stderr; --quiet keeps errors, lost data and changed requests (a failed target, a truncated
    result, skipped input and a window nobody asked for are never silent)."""
    for notice in notices:
        if not o.quiet or notice.level >= QUIET_KEEPS:
            say(notice)


def _write_text(path: str | None, text: str) -> None:
    """Data goes out byte for byte: click.echo would strip escape sequences from piped output."""
    if path and path != STDOUT:
        write_atomic(path, text)
    elif text:
        write_stdout(text if text.endswith("\n") else text + "\n")
