"""Command line: thin. Options → library calls → render → exit code.

Nothing below this module prints or exits; every TrailqError is turned into one message (plus
a hint) on stderr and its exit code here, and any other exception into a short bug report.
"""

from __future__ import annotations

import re
import sys
import traceback
from typing import Any, Callable

import click
import orjson
from tabulate import tabulate

from trailq import __version__, catalog as catalog_mod, errors
from trailq.params import parse_assignments

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str, hint: str | None = None) -> None:
    click.echo(f"trailq: error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)


def report_error(exc: errors.TrailqError) -> None:
    """Located messages (`file:line: ...`, `query:1:5: ...` with a caret) print as they are; others get a prefix."""
    for line in exc.render().splitlines() or [""]:
        located = _LOCATED.match(line) or isinstance(exc, errors.QueryError)
        click.echo(line if located else f"trailq: error: {line}", err=True)
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
    click.echo(tabulate(rows, headers=["name", "tags", "check", "description"], tablefmt="simple"))


@main.command()
@catalog_option
@param_option
@click.argument("name")
def show(catalogs: tuple[str, ...], params: tuple[str, ...], name: str) -> None:
    """The exact query text that would be sent, parameters filled in."""
    query = catalog_mod.load(catalogs).get(name)
    click.echo(query.render(parse_assignments(params)).rstrip("\n"))
