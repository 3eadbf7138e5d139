"""The catalog, offline and CloudWatch housekeeping commands: list, show, validate, fmt, explain,
discover, sync. Thin: options → library calls → render → exit code."""

from __future__ import annotations

import shutil
import sys
from typing import Any

import click
import orjson
from tabulate import tabulate

from trailq import catalog as catalog_mod
from trailq import errors
from trailq.catalog.params import parse_assignments
from trailq.cli.base import AccountOptions, account_options, aws_plan_from, catalog_option, main, param_option, say, signal_exit_code
from trailq.reporting.output import json_text


@main.command("list")
@catalog_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--tag", "tags", multiple=True, help="Only queries with this tag (repeatable).")
def list_cmd(catalogs: tuple[str, ...], fmt: str, tags: tuple[str, ...]) -> None:
    """The catalog: name, tags, description."""
    cat = catalog_mod.load(catalogs)
    queries = cat.select(tags=tags) if tags else list(cat.queries.values())
    if fmt == "json":
        click.echo(json_text([catalog_mod.describe(q) for q in queries], orjson.OPT_INDENT_2))
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
    from trailq.catalog import validation

    report = validation.validate(catalogs=catalogs, files=files, query_text=query_text, strict=strict)
    for line in report.messages + report.warnings:
        say(line)
    if report.exit_code == 0:
        click.echo(report.summary)
    else:
        say(report.summary)
    sys.exit(report.exit_code)


@main.command()
@catalog_option
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 when a file is not formatted.")
def fmt(catalogs: tuple[str, ...], files: tuple[str, ...], check_only: bool) -> None:
    """Canonical formatting of query text (files rewritten in place, or stdin to stdout)."""
    from trailq.catalog import validation

    outcome = validation.format_files(files or ("-",), check_only=check_only, stdin=sys.stdin)
    if outcome.stdout is not None:
        click.echo(outcome.stdout, nl=False)
    for line in outcome.messages:
        say(line)
    sys.exit(outcome.exit_code)


@main.command()
@catalog_option
@param_option
@click.argument("name", required=False)
@click.option("--query", "query_text", help="Query text to explain instead of a catalog query.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(catalogs: tuple[str, ...], params: tuple[str, ...], name: str | None, query_text: str | None, fmt: str) -> None:
    """The parsed pipeline, fields each command reads and writes, local support, prefilter."""
    from trailq.catalog import explaining

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
    click.echo(json_text(report, orjson.OPT_INDENT_2) if fmt == "json" else explaining.to_text(report))


# --- discover and sync: CloudWatch housekeeping ---------------------------------------------------


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
            outcome = aws.discover(aws_plan_from(AccountOptions(**o)), cancel=signals.event)
        except aws.RunAborted as exc:
            exc.exit_code = signal_exit_code(exc.exit_code, signals)
            raise
    rows = outcome.rows
    if fmt == "json":
        click.echo(json_text(rows, orjson.OPT_INDENT_2))
    else:
        columns = ["account", "region", "kind", "log_group", "log_group_region", "trail", "home_region", "multi_region", "error"]
        columns = columns[:3] + [c for c in columns[3:] if any(row.get(c) not in (None, "") for row in rows)]
        click.echo(tabulate([[_cell(row.get(c)) for c in columns] for row in rows], headers=columns, tablefmt="simple"))
    for warning in outcome.warnings:
        say(f"warning: {warning}")
    for row in rows:
        if row.get("error"):
            where = f"account {row['account']} {row['region']}" if row.get("region") else f"account {row['account']}"
            say(f"error: {where}: {row['error']}")
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
    from trailq.catalog.params import literal

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
        outcome = aws.sync(specs, aws_plan_from(AccountOptions(**o)), folder=folder, prune=prune, dry_run=dry_run, cancel=signals.event)
    for change in outcome.changes:
        click.echo(change.describe())
    for warning in outcome.warnings:
        say(f"warning: {warning}")
    for failure in outcome.failures:
        say(f"trailq: error: sync: {failure.describe()}")
    count = len(outcome.changes)
    summary = f"{count} change{'s' * (count != 1)}" + (" planned (dry run)" if dry_run else "")
    summary += f"; {len(outcome.failures)} target{'s' * (len(outcome.failures) != 1)} failed" if outcome.failures else ""
    summary += f"; stopped early ({outcome.aborted})" if outcome.aborted else ""
    click.echo(summary, err=True)
    sys.exit(signal_exit_code(outcome.exit_code, signals))

