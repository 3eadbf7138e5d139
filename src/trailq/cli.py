"""Command line: thin. Options → library calls → render → exit code.

Nothing below this module prints or exits; every TrailqError is turned into one message (plus
a hint) on stderr and its exit code here, and any other exception into a short bug report.
"""

from __future__ import annotations

import os
import signal
import threading


def _interrupted_while_starting(signum: int, frame: object) -> None:
    """Ctrl-C while the command line is still being imported: the same one line and 130 as later."""
    os.write(2, b"trailq: error: interrupted\n")
    os._exit(130)


# Imports and option parsing take a moment; a Ctrl-C during them would print an import traceback
# or click's "Aborted!". Restored when a command starts (`_restore_sigint`).
_STARTING = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler
if _STARTING:
    signal.signal(signal.SIGINT, _interrupted_while_starting)

import re  # noqa: E402
import shutil
import sys
import traceback
from typing import Any, Callable

import click
import orjson
from tabulate import tabulate

from trailq import __version__, catalog as catalog_mod, errors
from trailq.streams import EXIT_BROKEN_PIPE, GuardedStdout, silence_stdout
from trailq.timerange import parse_duration_seconds
from trailq.params import parse_assignments

# --timeout on CloudWatch when none is given (locally a run has no deadline unless asked).
DEFAULT_AWS_TIMEOUT = "15m"
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
        _restore_sigint()
        original = sys.stdout
        if not isinstance(original, GuardedStdout):
            sys.stdout = GuardedStdout(original)  # type: ignore[assignment]
        try:
            return self._invoke(ctx)
        finally:
            if sys.stdout is not original and isinstance(sys.stdout, GuardedStdout):
                sys.stdout = original

    def _invoke(self, ctx: click.Context) -> Any:
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
            # `trailq run ... | head`: the reader went away. Nothing to say (stderr may be the
            # same broken pipe); exit as SIGPIPE would.
            silence_stdout()
            ctx.exit(EXIT_BROKEN_PIPE)
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
@click.option("--strict", is_flag=True, help="Warnings (rules trailq infers, not documented by AWS) are errors: exit 3.")
def validate(catalogs: tuple[str, ...], files: tuple[str, ...], query_text: str | None, strict: bool) -> None:
    """Offline: catalog schema and the syntax of every query; all errors, not the first.

    FILES are query files (.insights) or catalog files (.yaml/.yml). Exit 0 when all is
    valid (warnings are printed), 3 when query text is invalid, 6 when a catalog is.
    """
    from trailq import validation

    report = validation.validate(catalogs=catalogs, files=files, query_text=query_text, strict=strict)
    for line in report.messages + report.warnings:
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
        if query.language != "CWLI":  # SQL/PPL text is the service's: trailq's parser reads Logs Insights only
            raise errors.UsageError(f"{name} is written in {query.language} (OpenSearch); `explain` reads Logs Insights queries only",
                                    hint=f"`trailq show {name}` prints its text")
        text, origin = query.render(parse_assignments(params)), query.origin
    else:
        text, origin = query_text or "", "query"
    report = explaining.explain(text, origin=origin)
    click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() if fmt == "json" else explaining.to_text(report))


def option_group(*decorators: Callable) -> Callable:
    """Several click options as one decorator, so commands share one set (as sqlite-utils does)."""

    def apply(command: Callable) -> Callable:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


def aws_plan_from(o: dict[str, Any]) -> Any:
    """The AwsPlan the options describe (the aws package splits `--region` comma lists)."""
    from trailq import aws

    given: dict[str, Any] = {
        "profiles": tuple(o["profiles"]), "role_arns": tuple(o["role_arns"]), "external_id": o["external_id"],
        "role_session_name": o["role_session_name"], "regions": tuple(o["regions"]),
    }
    if "timeout" in o:  # run and check; discover and sync take the plan's defaults
        given.update(discover=discovery_wanted(o), limit=o["limit"], concurrency=o["concurrency"],
                     timeout_seconds=parse_duration_seconds(o["timeout"] or DEFAULT_AWS_TIMEOUT, "--timeout"))
        if o["log_groups"]:
            given["log_groups"] = tuple(o["log_groups"])
    return aws.AwsPlan(**given)


def discovery_wanted(o: dict[str, Any]) -> bool:
    """--discover forces discovery, --no-discover turns it off; by default it is on unless --log-group names groups."""
    flag = o.get("discover")
    return bool(flag) if flag is not None else not o.get("log_groups")


# --- discover and sync: CloudWatch housekeeping ---------------------------------------------------

account_options = option_group(
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
    """Every CloudTrail log group per account and region, and how each was found (trails, managed
    aws/cloudtrail groups, Lake imports, the CloudTrail data source, linked accounts, name prefixes)."""
    from trailq import aws
    from trailq.aws.interrupts import cancel_on_signals

    with cancel_on_signals() as signals:
        try:
            outcome = aws.discover(aws_plan_from(o), cancel=signals.event)
        except aws.RunAborted as exc:
            exc.exit_code = signal_exit_code(exc.exit_code, signals)
            raise
    rows = outcome.rows
    if fmt == "json":
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
    else:
        columns = ["account", "region", "kind", "log_group", "log_group_region", "trail", "home_region", "multi_region", "error"]
        columns = columns[:3] + [c for c in columns[3:] if any(row.get(c) not in (None, "") for row in rows)]
        click.echo(tabulate([[_cell(row.get(c)) for c in columns] for row in rows], headers=columns, tablefmt="simple"))
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    for row in rows:
        if row.get("error"):
            where = f"account {row['account']} {row['region']}" if row.get("region") else f"account {row['account']}"
            click.echo(f"error: {where}: {row['error']}", err=True)
    # A region that could not be asked may hold CloudTrail events: the listing is incomplete
    # (4 when everything asked was denied, as `run` exits for the same denial; else 5).
    sys.exit(outcome.exit_code)


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
            name=q.name, query_text=q.text, log_groups=q.log_groups, language=q.language,
            # Saved-query parameters are expanded as text, so defaults are stored as typed literals.
            parameters=tuple(
                Parameter(p.name, None if p.default is None else literal(p, p.default), p.description or None)
                for p in q.params.values()
            ),
        )
        for q in cat.queries.values()
    ]
    with cancel_on_signals() as signals:
        outcome = aws.sync(specs, aws_plan_from(o), folder=folder, prune=prune, dry_run=dry_run, cancel=signals.event)
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
    sys.exit(signal_exit_code(outcome.exit_code, signals))


def signal_exit_code(code: int, signals: Any) -> int:
    """An abort by SIGTERM (a CI job's timeout) is a failed run (5), not a Ctrl-C (130)."""
    if code == errors.EXIT_INTERRUPTED and not signals.interrupted():
        return errors.EXIT_QUERY_FAILED
    return code


# run and check live in cli_run.py; importing it registers them on `main`.
from trailq import cli_run  # noqa: E402,F401
from trailq import cli_sql  # noqa: E402,F401  (sql, athena setup)


def _restore_sigint() -> None:
    """From here on a Ctrl-C is a KeyboardInterrupt, which `TrailqGroup.invoke` turns into exit 130."""
    global _STARTING
    if _STARTING and threading.current_thread() is threading.main_thread():
        _STARTING = False
        signal.signal(signal.SIGINT, signal.default_int_handler)
