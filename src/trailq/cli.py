"""Command line: thin. Options → library calls → render → exit code.

Nothing below this module prints or exits; every TrailqError is turned into one message (plus
a hint) on stderr and its exit code here, and any other exception into a short bug report.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import sys
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import click
import orjson
from tabulate import tabulate

from trailq import __version__, catalog as catalog_mod, errors, runs
from trailq.fileio import check_writable, write_atomic
from trailq.result import Result
from trailq.timerange import TimeRange, parse_duration_seconds, utc_now
from trailq.params import parse_assignments

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str, hint: str | None = None) -> None:
    click.echo(f"trailq: error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)


def report_error(exc: errors.TrailqError) -> None:
    """Located messages (`file:line: ...`, `query:1:5: ...` with a caret) print as they are; others get a prefix.

    Only a problem's first line may get the prefix: the lines after it (the query line and its
    caret) must stay as drawn, or the caret would point at the wrong column.
    """
    problems = exc.problems if isinstance(exc, errors.CatalogError) else [exc.render()]
    for problem in problems:
        first, _, rest = problem.partition("\n")
        located = _LOCATED.match(first) or isinstance(exc, errors.QueryError)
        click.echo(first if located else f"trailq: error: {first}", err=True)
        if rest:
            click.echo(rest, err=True)
    if exc.hint:
        click.echo(f"hint: {exc.hint}", err=True)


_LOCATED = re.compile(r"^[^\s:]+(:\d+)+: ")


def bug_report(exc: BaseException) -> None:
    """A short report for an unexpected exception: version, command, traceback; no environment values."""
    argv = " ".join(_redact_args(sys.argv[1:]))
    click.echo(
        "trailq: internal error — this is a bug; please report it with the text below.\n"
        f"trailq {__version__}, Python {sys.version.split()[0]} on {sys.platform}\n"
        f"command: trailq {argv}\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip(),
        err=True,
    )


def _redact_args(args: list[str]) -> list[str]:
    """Hide values of options that may carry secrets or account details."""
    sensitive = {"--profile", "--role-arn", "--external-id", "-p", "--param"}
    out, hide_next = [], False
    for arg in args:
        if hide_next:
            out.append("<redacted>")
            hide_next = False
            continue
        name = arg.split("=", 1)[0]
        if name in sensitive:
            out.append(f"{name}=<redacted>" if "=" in arg else arg)
            hide_next = "=" not in arg
        else:
            out.append(arg)
    return out


class TrailqGroup(click.Group):
    """Maps errors to exit codes for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except errors.TrailqError as exc:
            report_error(exc)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            fail("interrupted")
            ctx.exit(errors.EXIT_INTERRUPTED)
        except BrokenPipeError:
            # `trailq run ... | head`: the reader went away; that is not an error of ours.
            sys.stderr.close()
            ctx.exit(0)
        except Exception as exc:  # noqa: BLE001 — the last line of defence
            bug_report(exc)
            ctx.exit(errors.EXIT_INTERNAL)


def catalog_option(command: Callable) -> Callable:
    """`--catalog FILE` (repeatable), accepted by every command."""
    return click.option(
        "--catalog",
        "catalogs",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="Extra catalog file merged over the built-in one and ./queries.yaml (repeatable; later wins).",
    )(command)


def param_option(command: Callable) -> Callable:
    return click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="Query parameter (repeatable).")(command)


@click.group(cls=TrailqGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="trailq")
def main() -> None:
    """Named CloudWatch Logs Insights queries over CloudTrail events.

    Who signed in to the AWS console, from where, with or without MFA — across every region and
    account, on AWS or on local CloudTrail files.
    """


@main.command("list")
@catalog_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--tag", "tags", multiple=True, help="Only queries with this tag (repeatable).")
def list_cmd(catalogs: tuple[str, ...], fmt: str, tags: tuple[str, ...]) -> None:
    """The catalog: name, tags, description."""
    cat = catalog_mod.load(catalogs)
    queries = cat.select(tags=tags) if tags else list(cat.queries.values())
    if fmt == "json":
        click.echo(orjson.dumps([catalog_mod.describe(q) for q in queries], option=orjson.OPT_INDENT_2).decode())
        return
    rows = [(q.name, ",".join(q.tags), q.check.severity if q.check else "", q.description) for q in queries]
    widths = None
    if sys.stdout.isatty() and rows:
        # On a terminal, wrap descriptions to the window; in a pipe keep one line per query for grep.
        used = sum(max(len(str(row[i])) for row in rows + [("name", "tags", "check")]) + 2 for i in range(3))
        widths = [None, None, None, max(30, shutil.get_terminal_size().columns - used - 2)]
    click.echo(tabulate(rows, headers=["name", "tags", "check", "description"], tablefmt="simple", maxcolwidths=widths))


@main.command()
@catalog_option
@param_option
@click.argument("name")
def show(catalogs: tuple[str, ...], params: tuple[str, ...], name: str) -> None:
    """The exact query text that would be sent, parameters filled in."""
    query = catalog_mod.load(catalogs).get(name)
    click.echo(query.render(parse_assignments(params)).rstrip("\n"))


# --- validate, fmt, explain: offline work on query text -----------------------------------------


@main.command()
@catalog_option
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--query", "query_text", help="Query text to check.")
def validate(catalogs: tuple[str, ...], files: tuple[str, ...], query_text: str | None) -> None:
    """Offline: catalog schema and the syntax of every query; all errors, not the first.

    FILES are query files (.insights) or catalog files (.yaml/.yml). Exit 0 when all is
    valid, 3 when query text is invalid, 6 when a catalog is.
    """
    from trailq import validation

    report = validation.validate(catalogs=catalogs, files=files, query_text=query_text)
    for line in report.messages:
        click.echo(line, err=True)
    if report.exit_code == 0:
        click.echo(report.summary)
    else:
        click.echo(report.summary, err=True)
    sys.exit(report.exit_code)


@main.command()
@catalog_option
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 when a file is not formatted.")
def fmt(catalogs: tuple[str, ...], files: tuple[str, ...], check_only: bool) -> None:
    """Canonical formatting of query text (files rewritten in place, or stdin to stdout)."""
    from trailq import validation

    outcome = validation.format_files(files or ("-",), check_only=check_only, stdin=sys.stdin)
    if outcome.stdout is not None:
        click.echo(outcome.stdout, nl=False)
    for line in outcome.messages:
        click.echo(line, err=True)
    sys.exit(outcome.exit_code)


@main.command()
@catalog_option
@param_option
@click.argument("name", required=False)
@click.option("--query", "query_text", help="Query text to explain instead of a catalog query.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(catalogs: tuple[str, ...], params: tuple[str, ...], name: str | None, query_text: str | None, fmt: str) -> None:
    """The parsed pipeline, fields each command reads and writes, local support, prefilter."""
    from trailq import explaining

    if (name is None) == (query_text is None):
        raise errors.UsageError("give a catalog query NAME or --query TEXT")
    if name is not None:
        query = catalog_mod.load(catalogs).get(name)
        text, origin = query.render(parse_assignments(params)), query.origin
    else:
        text, origin = query_text or "", "query"
    report = explaining.explain(text, origin=origin)
    click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() if fmt == "json" else explaining.to_text(report))


# --- run and check ------------------------------------------------------------------------------


def _options(*decorators: Callable) -> Callable:
    def apply(command: Callable) -> Callable:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


selection_options = _options(
    click.argument("names", nargs=-1),
    click.option("--all", "run_all", is_flag=True, help="Every query in the catalog."),
    click.option("--tag", "tags", multiple=True, help="Queries with this tag (repeatable)."),
    click.option("--query", "query_text", help="Ad-hoc query text instead of catalog names."),
    click.option("--query-file", type=click.Path(dir_okay=False), help="Ad-hoc query text from a file."),
)
time_options = _options(
    click.option("--since", help="Window ending now: 15m, 12h, 7d, 2w. [default: on CloudWatch the catalog's (24h); locally, no time filter]"),
    click.option("--start", help="Window start: ISO 8601 (naive = UTC) or relative (2h)."),
    click.option("--end", help="Window end: ISO 8601, relative, or now."),
)
local_options = _options(
    click.option("--source", "sources", multiple=True, metavar="PATH", help="Run locally on CloudTrail files: file, folder, glob, - for stdin (repeatable)."),
    click.option("--sample", is_flag=True, help="Run locally on the bundled sample trail."),
    click.option("--strict", is_flag=True, help="Local: an unreadable file or line is an error (exit 5), not a warning."),
)
aws_options = _options(
    click.option("--log-group", "log_groups", multiple=True, metavar="NAME|ARN|PREFIX*", help="Log group(s) to query (repeatable)."),
    click.option("--discover", is_flag=True, help="Query the log groups CloudTrail trails stream to."),
    click.option("--region", "regions", multiple=True, help="Region(s): repeatable, comma lists, or all."),
    click.option("--profile", "profiles", multiple=True, help="AWS profile, one account each (repeatable)."),
    click.option("--role-arn", "role_arns", multiple=True, help="Role to assume from the base credentials (repeatable)."),
    click.option("--external-id", help="External id for --role-arn."),
    click.option("--role-session-name", default="trailq", show_default=True),
    click.option("--limit", type=click.IntRange(1, 100_000), help="Rows per query (StartQuery limit)."),
    click.option("--timeout", default="15m", show_default=True, help="Deadline for the whole run."),
    click.option("--concurrency", type=click.IntRange(1, 100), default=20, show_default=True, help="Queries running at once per account and region."),
    click.option("--state", "state_file", type=click.Path(dir_okay=False), help="Remember where each window ended; the next run starts there."),
    click.option("--settle", default="5m", show_default=True, help="With --state: keep the window's end this far behind now (ingestion delay)."),
)
check_output_options = _options(
    click.option("--output", "output_file", type=click.Path(dir_okay=False), help="Write the summary to FILE (atomically)."),
    click.option("--stats", "show_stats", is_flag=True, help="Records scanned and matched, bytes, estimated cost, time (stderr)."),
    click.option("--price-per-gb", type=click.FloatRange(min=0), default=0.005, show_default=True, help="USD per GB scanned, for --stats."),
    click.option("--quiet", "-q", is_flag=True, help="No progress and no warnings on stderr (errors and truncation are still shown)."),
)
output_options = _options(
    click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv", "tsv", "markdown"]), default="table", show_default=True),
    click.option("--table-format", default=None, help="Any tabulate format name, for --format table."),
    click.option("--output", "output_file", type=click.Path(dir_okay=False), help="Write the result to FILE (atomically)."),
    click.option("--merge", is_flag=True, help="One table for every query and target, with query/account/region columns."),
    click.option("--stats", "show_stats", is_flag=True, help="Records scanned and matched, bytes, estimated cost, time (stderr)."),
    click.option("--price-per-gb", type=click.FloatRange(min=0), default=0.005, show_default=True, help="USD per GB scanned, for --stats."),
    click.option("--quiet", "-q", is_flag=True, help="No progress and no warnings on stderr (errors and truncation are still shown)."),
    click.option("--show-ptr", is_flag=True, help="Show the @ptr column."),
    click.option("--tz", default="UTC", show_default=True, help="Show times in this zone (UTC, local, Europe/Paris, ...)."),
)


# What to run, when, and where: shared by `run` and `check`.
query_options = _options(catalog_option, param_option, selection_options, time_options, local_options, aws_options)


@main.command()
@query_options
@click.option("--resume", "resume_ids", multiple=True, metavar="QUERY_ID", help="Fetch the results of earlier CloudWatch queries (with --region).")
@click.option("--console-url", is_flag=True, help="Print, per region, the Logs Insights console link for the query.")
@output_options
def run(**o: Any) -> None:
    """Run catalog queries (or --query TEXT) locally (--source/--sample) or on CloudWatch Logs."""
    if o["resume_ids"]:
        sys.exit(_resume(o))
    options = _render_options(o)  # a bad --format/--tz/--table-format fails before anything runs
    check_writable(o["output_file"], "--output")
    check_writable(o["state_file"], "--state")
    execution = _execute(o, only_checks=False)
    _emit(execution.results, o, options)
    execution.commit_state()  # only now: the rows are out
    _say(execution.notices, o)
    if o["console_url"]:
        _console_links(execution)
    sys.exit(execution.exit_code)


def _resume(o: dict[str, Any]) -> int:
    """`run --resume ID`: fetch earlier CloudWatch queries; Ctrl-C while waiting exits 130."""
    from trailq import aws
    from trailq.aws.interrupts import cancel_on_signals

    if o["names"] or o["query_text"] or o["query_file"] or o["run_all"] or o["tags"]:
        raise errors.UsageError("--resume fetches earlier queries; give no query names or --query with it")
    if o["sources"] or o["sample"]:
        raise errors.UsageError("--resume fetches CloudWatch queries, not --source/--sample runs")
    ignored = [flag for flag, key in _NOT_WITH_RESUME.items() if o.get(key)]
    if ignored:
        raise errors.UsageError(f"{ignored[0]} does not apply to --resume (the query already ran with its own)")
    options = _render_options(o)
    check_writable(o["output_file"], "--output")
    with cancel_on_signals() as signals:
        results = aws.resume(o["resume_ids"], _aws_plan(o), cancel=signals.event)
    _emit(results, o, options)
    return errors.EXIT_INTERRUPTED if signals.interrupted() else runs.exit_code(results)


_NOT_WITH_RESUME = {
    "-p/--param": "params", "--since": "since", "--start": "start", "--end": "end", "--log-group": "log_groups",
    "--discover": "discover", "--limit": "limit", "--state": "state_file", "--console-url": "console_url",
    "--strict": "strict",
}


@main.command()
@query_options
@check_output_options
@click.option("--junit", "junit_file", type=click.Path(dir_okay=False), help="Write a JUnit XML report to FILE.")
@click.option("--findings/--no-findings", default=True, show_default=True, help="Print the rows behind each failed check after the summary.")
def check(**o: Any) -> None:
    """Run the queries that carry a check; exit 1 when a check finds something, 5 when a query could not run."""
    from trailq import checks

    cat = catalog_mod.load(o["catalogs"])
    check_writable(o["output_file"], "--output")
    check_writable(o["junit_file"], "--junit")
    check_writable(o["state_file"], "--state")
    execution = _execute(o, only_checks=True, cat=cat)
    verdicts = checks.evaluate(execution.results, {q.name: q.check for q in cat.queries.values() if q.check is not None})
    _write_text(o["output_file"], checks.summary_table(verdicts) + _findings(execution.results, verdicts, o))
    if o["junit_file"]:
        write_atomic(o["junit_file"], checks.junit_xml(verdicts))
    notices = checks.append_github_step_summary(verdicts)
    execution.commit_state()  # last: the findings are in the summary, the JUnit file and the step summary
    for result in execution.results:
        notices += [f"warning: {result.query} on {result.target.label()}: {w}" for w in result.warnings]
    _say(notices + execution.notices, o)
    if o["show_stats"]:
        from trailq import output

        click.echo(output.format_statistics(execution.results, o["price_per_gb"]), err=True)
    code = checks.exit_code(verdicts)
    sys.exit(code if execution.exit_code in (errors.EXIT_OK, errors.EXIT_QUERY_FAILED) else execution.exit_code)


def _findings(results: list[Result], verdicts: list[Any], o: dict[str, Any]) -> str:
    """The rows behind each failed check, as titled tables after the summary (CI logs show them)."""
    from trailq import output

    if not o["findings"]:
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


def _terminal_width(o: dict[str, Any]) -> int | None:
    return shutil.get_terminal_size().columns if sys.stdout.isatty() and not o["output_file"] else None


@dataclass
class Execution:
    results: list[Result]
    notices: list[str]
    exit_code: int
    windows: dict[str, TimeRange] = dataclasses.field(default_factory=dict)  # CloudWatch: each query's window
    commit_state: Callable[[], None] = lambda: None  # records --state windows; call after output


def _execute(o: dict[str, Any], *, only_checks: bool, cat: catalog_mod.Catalog | None = None) -> Execution:
    """Select, render and run the queries the options name, on the backend they choose."""
    cat = cat or catalog_mod.load(o["catalogs"])
    selection = runs.Selection(
        names=o["names"], run_all=o["run_all"], tags=o["tags"], query_text=o["query_text"],
        query_file=o["query_file"], only_checks=only_checks,
    )
    queries = runs.select(cat, selection, parse_assignments(o["params"]))
    progress = _progress(o)
    try:
        if o["sources"] or o["sample"]:
            return _execute_local(queries, o, progress)
        return _execute_aws(queries, o, progress)
    finally:
        if progress is not None:
            progress.close()


def _time_flags(o: dict[str, Any]) -> runs.TimeFlags:
    return runs.TimeFlags(o["since"], o["start"], o["end"], utc_now())


def _settle_seconds(o: dict[str, Any]) -> float:
    return parse_duration_seconds(o["settle"], "--settle", allow_zero=True)


def _execute_local(queries: list[runs.QueryToRun], o: dict[str, Any], progress: Any) -> Execution:
    from trailq import engine

    aws_only = [flag for flag, key in _AWS_ONLY_FLAGS.items() if o.get(key)]
    if aws_only:
        raise errors.UsageError(f"{aws_only[0]} applies to CloudWatch runs, not to --source/--sample")
    sources = list(o["sources"]) + (engine.sample_sources() if o["sample"] else [])
    label = runs.source_label(sources, o["sample"])
    flags = _time_flags(o)
    window = flags.window(default_since=None)
    state = None
    if o["state_file"]:
        # Periodic local audits need a start for their first window: the catalog's `since`.
        window = window or flags.window(queries[0].since or "24h")
        state = runs.Windows(o["state_file"], _settle_seconds(o), flags.now)
    stdin = sys.stdin.buffer if "-" in sources else None
    results, notices = runs.run_local(
        queries, sources=sources, label=label, window=window, strict=o["strict"], stdin=stdin,
        on_progress=progress, state=state,
    )
    commit = (lambda: state.record(results)) if state is not None else (lambda: None)
    return Execution(results, notices, runs.exit_code(results), {}, commit)


_AWS_ONLY_FLAGS = {
    "--log-group": "log_groups", "--discover": "discover", "--region": "regions", "--profile": "profiles",
    "--role-arn": "role_arns", "--limit": "limit", "--console-url": "console_url",
}


def _aws_plan(o: dict[str, Any], **fixed: Any) -> Any:
    """The AwsPlan the options describe (session.expand_regions splits comma lists)."""
    from trailq import aws

    given: dict[str, Any] = {
        "profiles": tuple(o["profiles"]), "role_arns": tuple(o["role_arns"]), "external_id": o["external_id"],
        "role_session_name": o["role_session_name"], "regions": tuple(o["regions"]),
    }
    if "timeout" in o:  # run and check; discover and sync take the plan's defaults
        given.update(discover=o["discover"], limit=o["limit"], concurrency=o["concurrency"],
                     timeout_seconds=parse_duration_seconds(o["timeout"], "--timeout"))
        if o["log_groups"]:
            given["log_groups"] = tuple(o["log_groups"])
    return aws.AwsPlan(**given, **fixed)


def _execute_aws(queries: list[runs.QueryToRun], o: dict[str, Any], progress: Any) -> Execution:
    from trailq.aws.interrupts import cancel_on_signals

    if o["strict"]:
        raise errors.UsageError("--strict applies to --source/--sample runs")
    flags = _time_flags(o)
    flags.window(default_since=queries[0].since or "24h")  # bad flags fail before any call
    plan = _aws_plan(o)
    with cancel_on_signals() as signals:
        outcome = runs.run_aws(
            queries, plan, flags=flags, state_path=o["state_file"], settle_seconds=_settle_seconds(o),
            cancel=signals.event, on_progress=progress,
            # Each query's own catalog log groups, unless the command line names some (or --discover).
            catalog_log_groups=not o["log_groups"] and not o["discover"],
        )
    exit_code = _signal_exit_code(outcome.exit_code, signals)
    notices = list(outcome.notices)
    if outcome.stopped:
        notices.append("error: queries stopped by the abort: " + "; ".join(outcome.stopped))
    if outcome.still_running:
        notices.append("error: queries that could not be stopped and are still running on CloudWatch (results kept "
                       "7 days: `trailq run --resume ID --region R`): " + "; ".join(outcome.still_running))
    return Execution(outcome.results, notices, exit_code, outcome.windows, outcome.commit_state)


def _console_links(execution: Execution) -> None:
    """One Logs Insights console link per query and region, with that query's own window."""
    from trailq import console

    for query, window in execution.windows.items():
        for link in console.console_links([r for r in execution.results if r.query == query], window):
            click.echo(link.line(), err=True)


def _progress(o: dict[str, Any]) -> Any:
    """A live progress display on stderr, only on a terminal and without --quiet."""
    if o["quiet"] or not sys.stderr.isatty():
        return None
    from trailq.progress import ProgressDisplay

    return ProgressDisplay(sys.stderr)


def _render_options(o: dict[str, Any]) -> Any:
    from trailq import output

    return output.RenderOptions(
        format=o["fmt"], table_format=o["table_format"] or output.DEFAULT_TABLE_FORMAT,
        show_ptr=o["show_ptr"], tz=o["tz"], merge=o["merge"], width=_terminal_width(o),
    )


def _emit(results: list[Result], o: dict[str, Any], options: Any = None) -> None:
    """Render results to stdout or --output, then notices and --stats to stderr."""
    from trailq import output

    rendered = output.render(results, options or _render_options(o))
    _write_text(o["output_file"], rendered.text)
    _say(rendered.notices, o)
    if o["show_stats"]:
        click.echo(output.format_statistics(results, o["price_per_gb"]), err=True)


def _say(notices: list[str], o: dict[str, Any]) -> None:
    """Notices to stderr; --quiet keeps errors and lost rows (a failed target or a truncated result is never silent)."""
    for notice in notices:
        if not o["quiet"] or notice.startswith(("error:", "trailq: error:")) or "truncated" in notice:
            click.echo(notice, err=True)


def _write_text(path: str | None, text: str) -> None:
    """Data goes out byte for byte: click.echo would strip escape sequences from piped output."""
    if path:
        write_atomic(path, text)
    elif text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()


# --- discover and sync: CloudWatch housekeeping ---------------------------------------------------

account_options = _options(
    click.option("--region", "regions", multiple=True, help="Region(s): repeatable, comma lists, or all."),
    click.option("--profile", "profiles", multiple=True, help="AWS profile, one account each (repeatable)."),
    click.option("--role-arn", "role_arns", multiple=True, help="Role to assume from the base credentials (repeatable)."),
    click.option("--external-id", help="External id for --role-arn."),
    click.option("--role-session-name", default="trailq", show_default=True),
)


@main.command()
@catalog_option
@account_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def discover(catalogs: tuple[str, ...], fmt: str, **o: Any) -> None:
    """Trails per region and the log group each streams to (CloudTrail DescribeTrails)."""
    from trailq import aws
    from trailq.aws.interrupts import cancel_on_signals

    with cancel_on_signals() as signals:
        try:
            rows = aws.discover(_aws_plan(o), cancel=signals.event)
        except aws.RunAborted as exc:
            exc.exit_code = _signal_exit_code(exc.exit_code, signals)
            raise
    if fmt == "json":
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
    else:
        columns = ["account", "region", "trail", "home_region", "multi_region", "log_group", "log_group_region", "error"]
        columns = columns[:3] + [c for c in columns[3:] if any(row.get(c) not in (None, "") for row in rows)]
        click.echo(tabulate([[_cell(row.get(c)) for c in columns] for row in rows], headers=columns, tablefmt="simple"))
    failed = [row for row in rows if row.get("error")]
    for row in failed:
        click.echo(f"error: account {row['account']} {row['region']}: {row['error']}", err=True)
    # A region that could not be asked may hold a trail: the listing is incomplete.
    sys.exit(errors.EXIT_QUERY_FAILED if failed else errors.EXIT_OK)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@main.command()
@catalog_option
@account_options
@click.option("--folder", default="trailq/", show_default=True, help="Saved-query folder trailq manages.")
@click.option("--prune", is_flag=True, help="Delete trailq-managed saved queries no longer in the catalog.")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
def sync(catalogs: tuple[str, ...], folder: str, prune: bool, dry_run: bool, **o: Any) -> None:
    """Publish the catalog as CloudWatch saved queries (PutQueryDefinition), idempotently."""
    from trailq import aws
    from trailq.aws.definitions import DefinitionSpec, Parameter
    from trailq.aws.interrupts import cancel_on_signals
    from trailq.params import literal

    cat = catalog_mod.load(catalogs)
    specs = [
        DefinitionSpec(
            name=q.name, query_text=q.text, log_groups=q.log_groups,
            # Saved-query parameters are expanded as text, so defaults are stored as typed literals.
            parameters=tuple(
                Parameter(p.name, None if p.default is None else literal(p, p.default), p.description or None)
                for p in q.params.values()
            ),
        )
        for q in cat.queries.values()
    ]
    with cancel_on_signals() as signals:
        outcome = aws.sync(specs, _aws_plan(o), folder=folder, prune=prune, dry_run=dry_run, cancel=signals.event)
    for change in outcome.changes:
        click.echo(change.describe())
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    for failure in outcome.failures:
        click.echo(f"trailq: error: sync: {failure.describe()}", err=True)
    count = len(outcome.changes)
    summary = f"{count} change{'s' * (count != 1)}" + (" planned (dry run)" if dry_run else "")
    summary += f"; {len(outcome.failures)} target{'s' * (len(outcome.failures) != 1)} failed" if outcome.failures else ""
    summary += f"; stopped early ({outcome.aborted})" if outcome.aborted else ""
    click.echo(summary, err=True)
    sys.exit(_signal_exit_code(outcome.exit_code, signals))


def _signal_exit_code(code: int, signals: Any) -> int:
    """An abort by SIGTERM (a CI job's timeout) is a failed run (5), not a Ctrl-C (130)."""
    if code == errors.EXIT_INTERRUPTED and not signals.interrupted():
        return errors.EXIT_QUERY_FAILED
    return code
