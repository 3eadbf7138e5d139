"""The command line's frame: the `trailq` click group, its error handling, and the options and helpers
its commands share. commands.py, run.py and sql.py import from here and register their commands
on `main`; nothing here imports them, so the command modules form no import cycle. The entry
point is `trailq.cli:main` (the package's __init__ imports every command module, then `main` has them all).
"""

# ruff: noqa: E402 — the imports below the Ctrl-C guard come after it on purpose (see _STARTING).
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

import dataclasses
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from trailq import __version__, errors
from trailq.reporting.shown import terminal_text
from trailq.reporting.streams import EXIT_BROKEN_PIPE, GuardedStdout, silence_stdout
from trailq.result import Notice, Result
from trailq.timerange import TimeRange, parse_duration_seconds, utc_now

if TYPE_CHECKING:
    from trailq.aws import AwsPlan
    from trailq.runs import TimeFlags

# --timeout on CloudWatch when none is given (locally a run has no deadline unless asked).
DEFAULT_AWS_TIMEOUT = "15m"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def say(text: str) -> None:
    """One message on stderr. Messages name files and quote AWS errors, which come from outside:
    their control and format characters are shown, not obeyed (reporting/shown.py)."""
    click.echo(terminal_text(text), err=True)


def fail(message: str, hint: str | None = None) -> None:
    say(f"trailq: error: {message}")
    if hint:
        say(f"hint: {hint}")


def report_error(exc: errors.TrailqError) -> None:
    """Located messages (`file:line: ...`, `query:1:5: ...` with a caret) print as they are; others get a prefix.

    Only a problem's first line may get the prefix: the lines after it (the query line and its
    caret) must stay as drawn, or the caret would point at the wrong column.
    """
    problems = exc.problems if isinstance(exc, errors.CatalogError) else [exc.render()]
    for problem in problems:
        first, _, rest = problem.partition("\n")
        located = _LOCATED.match(first) or isinstance(exc, errors.QueryError)
        say(first if located else f"trailq: error: {first}")
        if rest:
            say(rest)
    if exc.hint:
        say(f"hint: {exc.hint}")


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
            sys.stdout = GuardedStdout(original)
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


def catalog_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--catalog FILE` (repeatable), accepted by every command."""
    return click.option(
        "--catalog",
        "catalogs",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="Extra catalog file merged over the built-in one and ./queries.yaml (repeatable; later wins).",
    )(command)


def param_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", cls=ScopedOption,
                        refused_with=frozenset({RESUME}), help="Query parameter (repeatable).")(command)


@click.group(cls=TrailqGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="trailq")
def main() -> None:
    """Named CloudWatch Logs Insights queries over CloudTrail events.

    Who signed in to the AWS console, from where, with or without MFA — across every region and
    account, on AWS or on local CloudTrail files.
    """


def option_group(*decorators: Callable[..., Any]) -> Callable[..., Any]:
    """Several click options as one decorator, so commands share one set (as sqlite-utils does)."""

    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


# The runs an option does not apply to: the refusals below are derived from these tags on the options.
RESUME = "resume"  # `run --resume ID`: the query already ran with its own options
LOCAL = "local"  # --source/--sample
ATHENA = "athena"  # --athena TABLE


class ScopedOption(click.Option):
    """A click option that names the runs it is refused with (`refused_with={LOCAL, ATHENA}`)."""

    def __init__(self, *args: Any, refused_with: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused_with = refused_with


def refused_flags(o: object, run: str) -> list[str]:
    """The flags given (truthy) that `run` (RESUME, LOCAL or ATHENA) refuses, in the command's option order."""
    return ["/".join(param.opts) for param in click.get_current_context().command.params
            if isinstance(param, ScopedOption) and run in param.refused_with and getattr(o, param.name or "", None)]


@dataclass(frozen=True, kw_only=True)
class AccountOptions:
    """The account options (`account_options`) of every CloudWatch command, as click parsed them."""

    regions: tuple[str, ...]
    profiles: tuple[str, ...]
    role_arns: tuple[str, ...]
    external_id: str | None
    role_session_name: str


def aws_plan_from(accounts: AccountOptions, **run_settings: Any) -> AwsPlan:
    """The AwsPlan of the account options: `discover` and `sync` leave the rest at the plan's defaults,
    `run`/`check` add their settings (`RunOptions.aws_plan`). The aws package splits `--region` comma lists."""
    from trailq import aws

    return aws.AwsPlan(
        profiles=tuple(accounts.profiles), role_arns=tuple(accounts.role_arns), external_id=accounts.external_id,
        role_session_name=accounts.role_session_name, regions=tuple(accounts.regions), **run_settings,
    )


account_options = option_group(
    click.option("--region", "regions", multiple=True, cls=ScopedOption, refused_with=frozenset({LOCAL}),
                 help="Region(s): repeatable, comma lists, or all."),
    click.option("--profile", "profiles", multiple=True, cls=ScopedOption, refused_with=frozenset({LOCAL}),
                 help="AWS profile, one account each (repeatable)."),
    click.option("--role-arn", "role_arns", multiple=True, cls=ScopedOption, refused_with=frozenset({LOCAL}),
                 help="Role to assume from the base credentials (repeatable)."),
    click.option("--external-id", help="External id for --role-arn."),
    click.option("--role-session-name", default="trailq", show_default=True),
)


def signal_exit_code(code: int, signals: Any) -> int:
    """An abort by SIGTERM (a CI job's timeout) is a failed run (5), not a Ctrl-C (130)."""
    if code == errors.EXIT_INTERRUPTED and not signals.interrupted():
        return errors.EXIT_QUERY_FAILED
    return code


@dataclass
class Execution:
    """What `run`/`check` get back from a backend (local, CloudWatch, Athena) before rendering."""

    results: list[Result]
    notices: list[Notice]
    exit_code: int
    windows: dict[str, TimeRange] = dataclasses.field(default_factory=dict)  # CloudWatch: each query's window
    commit_state: Callable[[], None] = lambda: None  # records --state windows; call after output


@dataclass(frozen=True, kw_only=True)
class RunOptions(AccountOptions):
    """The options of `run` and `check`, as click parsed them (`RunOptions(**kwargs)`): one field per
    parameter; the few that only one of the two commands has carry that option's default."""

    # What to run, when
    catalogs: tuple[str, ...]
    params: tuple[str, ...]
    names: tuple[str, ...]
    run_all: bool
    tags: tuple[str, ...]
    query_text: str | None
    query_file: str | None
    since: str | None
    start: str | None
    end: str | None
    # Where: local files (--source/--sample), CloudWatch, Athena
    sources: tuple[str, ...]
    sample: bool
    strict: bool
    engine: str
    log_groups: tuple[str, ...]
    discover: bool | None
    limit: int | None
    timeout: str | None
    concurrency: int
    state_file: str | None
    settle: str
    athena_table: str | None
    workgroup: str | None
    output_location: str | None
    athena_accounts: tuple[str, ...]
    price_per_tb: float
    # Reports on stdout/--output and stderr
    output_file: str | None
    allow_output_in_source: bool
    show_stats: bool
    price_per_gb: float
    quiet: bool
    # `run` only
    resume_ids: tuple[str, ...] = ()
    console_url: bool = False
    fmt: str = "table"
    table_format: str | None = None
    csv_raw: bool = False
    merge: bool = False
    show_ptr: bool = False
    tz: str = "UTC"
    # `check` only
    junit_file: str | None = None
    findings: bool = True
    allow_partial: bool = False

    @property
    def stats_price_per_gb(self) -> float:
        """--stats prices bytes per GB; on Athena the price is --price-per-tb."""
        return self.price_per_tb / 1024 if self.athena_table else self.price_per_gb

    @property
    def discovery_wanted(self) -> bool:
        """--discover forces discovery, --no-discover turns it off; by default it is on unless --log-group names groups."""
        return bool(self.discover) if self.discover is not None else not self.log_groups

    @property
    def remote_timeout_seconds(self) -> float:
        """The run's deadline on a remote service (CloudWatch, Athena): --timeout, else DEFAULT_AWS_TIMEOUT."""
        return parse_duration_seconds(self.timeout or DEFAULT_AWS_TIMEOUT, "--timeout")

    def aws_plan(self) -> Any:
        """The CloudWatch AwsPlan of `run`/`check`: accounts, regions, discovery, log groups and budgets."""
        run_settings: dict[str, Any] = {
            "discover": self.discovery_wanted, "limit": self.limit, "concurrency": self.concurrency,
            "timeout_seconds": self.remote_timeout_seconds,
        }
        if self.log_groups:
            run_settings["log_groups"] = tuple(self.log_groups)
        return aws_plan_from(self, **run_settings)

    def time_flags(self) -> TimeFlags:
        """--since/--start/--end as given, with the one `now` of this run."""
        from trailq import runs

        return runs.TimeFlags(self.since, self.start, self.end, utc_now())

    def settle_seconds(self) -> float:
        return parse_duration_seconds(self.settle, "--settle", allow_zero=True)


def _restore_sigint() -> None:
    """From here on a Ctrl-C is a KeyboardInterrupt, which `TrailqGroup.invoke` turns into exit 130."""
    global _STARTING
    if _STARTING and threading.current_thread() is threading.main_thread():
        _STARTING = False
        signal.signal(signal.SIGINT, signal.default_int_handler)
