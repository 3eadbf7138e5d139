"""`trailq sql` (the SQL a catalog query compiles to) and `trailq athena setup` (the CloudTrail
table for a trail's S3 archive). Part of the command line; the work is in trailq.sql.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from trailq import catalog as catalog_mod
from trailq import errors, lang
from trailq.catalog.params import parse_assignments
from trailq.cli.base import ATHENA, Execution, RunOptions, catalog_option, main, param_option, refused_flags
from trailq.result import Level, Notice
from trailq.timerange import resolve, utc_now

if TYPE_CHECKING:
    from trailq.runs import QueryToRun

DEFAULT_TABLE = "default.cloudtrail"
# What `trailq sql --dialect duckdb` reads without --source: a trail's S3 layout, synced locally.
DEFAULT_DUCKDB_FILES = "AWSLogs/**/*.json.gz"


@main.command("sql")
@catalog_option
@param_option
@click.argument("name", required=False)
@click.option("--query", "query_text", help="Query text instead of a catalog query.")
@click.option("--dialect", type=click.Choice(["athena", "duckdb"]), default="athena", show_default=True)
@click.option("--athena", "table", default=DEFAULT_TABLE, show_default=True, metavar="DATABASE.TABLE",
              help="Athena: the CloudTrail table (see `trailq athena setup`).")
@click.option("--source", "sources", multiple=True, metavar="PATH",
              help=f"DuckDB: files or globs to read (repeatable) [default: {DEFAULT_DUCKDB_FILES}].")
@click.option("--since", help="Add the time window: 15m, 12h, 7d (partition predicates on Athena).")
@click.option("--start", help="Window start: ISO 8601 or relative.")
@click.option("--end", help="Window end: ISO 8601, relative, or now.")
def sql_cmd(catalogs: tuple[str, ...], params: tuple[str, ...], name: str | None, query_text: str | None, dialect: str,
            table: str, sources: tuple[str, ...], since: str | None, start: str | None, end: str | None) -> None:
    """The SQL a query compiles to, for Athena (Trino) or DuckDB, printed like `show`.

    Exit 7 (with a caret) when the query uses something SQL cannot express.
    """
    from trailq.sql import compile_query
    from trailq.sql.athena_table import AthenaTable
    from trailq.sql.shapes import DuckDBFiles

    if (name is None) == (query_text is None):
        raise errors.UsageError("give a catalog query NAME or --query TEXT")
    if name is not None:
        named = catalog_mod.load(catalogs).get(name)
        text, origin = named.render(parse_assignments(params)), named.origin
    else:
        if params:
            raise errors.CatalogError("ad-hoc queries take no parameters")
        text, origin = query_text or "", "query"
    tree = lang.parse(text, origin=origin)
    window = resolve(since=since, start=start, end=end, now=utc_now()) if (since or start or end) else None
    shape = AthenaTable(table) if dialect == "athena" else DuckDBFiles(tuple(sources) or (DEFAULT_DUCKDB_FILES,))
    click.echo(compile_query(tree, shape, window).sql())


@main.group("athena")
def athena_group() -> None:
    """Athena over the trail's S3 archive: years of history, every account."""


@athena_group.command("setup")
@click.option("--bucket", required=True, metavar="s3://BUCKET/PREFIX", help="Where the trail writes (the prefix before AWSLogs/).")
@click.option("--organization", metavar="o-...", help="An organization trail: its organization id.")
@click.option("--database", default="default", show_default=True)
@click.option("--table", default="cloudtrail", show_default=True)
@click.option("--account", "accounts", multiple=True, metavar="ID",
              help="Accounts to project (repeatable); without it, queries must name accounts (injected projection).")
@click.option("--start-date", default="2015/01/01", show_default=True, help="First day of the date projection (yyyy/MM/dd).")
@click.option("--apply", "apply_it", is_flag=True, help="Run the statement through Athena (needs --workgroup or --output-location).")
@click.option("--workgroup", help="Athena workgroup for --apply.")
@click.option("--output-location", metavar="s3://...", help="Athena query results location for --apply.")
@click.option("--profile", help="AWS profile for --apply.")
@click.option("--region", help="Region for --apply.")
def athena_setup(bucket: str, organization: str | None, database: str, table: str, accounts: tuple[str, ...],
                 start_date: str, apply_it: bool, workgroup: str | None, output_location: str | None,
                 profile: str | None, region: str | None) -> None:
    """Print the CREATE EXTERNAL TABLE (partition projection) for a trail's S3 archive; --apply runs it."""
    from trailq.sql.athena_ddl import TableSpec, create_table

    statement = create_table(TableSpec(bucket, organization, database, table, accounts, start_date))
    click.echo(statement)
    if not apply_it:
        return
    from trailq.aws import athena

    outcome = athena.run_statement(statement, workgroup=workgroup, output_location=output_location, profile=profile, region=region)
    click.echo(f"created {database}.{table} (Athena query {outcome})", err=True)
    sys.exit(errors.EXIT_OK)


# --- run/check --athena: the options and the execution (cli/run.py dispatches here) -----------------

def _athena_options(command: Callable[..., Any]) -> Callable[..., Any]:
    from trailq.cli.base import option_group

    decorated: Callable[..., Any] = option_group(
        click.option("--athena", "athena_table", metavar="DATABASE.TABLE",
                     help="Run on Athena over the trail's S3 archive (the table of `trailq athena setup`)."),
        click.option("--workgroup", help="Athena: the workgroup."),
        click.option("--output-location", metavar="s3://...", help="Athena: where query results are written."),
        click.option("--account", "athena_accounts", multiple=True, metavar="ID",
                     help="Athena: only these accounts (partition predicate; repeatable)."),
        click.option("--price-per-tb", type=click.FloatRange(min=0), default=5.0, show_default=True,
                     help="Athena: USD per TB scanned, for --stats."),
    )(command)
    return decorated


athena_options = _athena_options


def execute_athena(queries: list[QueryToRun], o: RunOptions, progress: object) -> Execution:
    """`run/check --athena TABLE`: every selected query on Athena, one after the other."""
    from trailq import runs
    from trailq.aws import athena
    from trailq.aws.interrupts import cancel_on_signals
    from trailq.aws.session import open_accounts, requested_regions
    from trailq.cli.base import signal_exit_code
    from trailq.result import Target

    if o.athena_table is None:  # cli/run.py dispatches here only with --athena
        raise errors.UsageError("--athena: give the DATABASE.TABLE to run on")
    used = refused_flags(o, ATHENA)
    if used:
        raise errors.UsageError(f"{used[0]} does not apply to --athena runs")
    if o.engine != runs.LOCAL_ENGINES[0]:
        raise errors.UsageError("--engine applies to --source/--sample runs")
    flags = o.time_flags()
    window = flags.window(default_since=queries[0].since or "24h")
    regions = tuple(r for given in o.regions for r in given.split(",") if r) if "all" not in o.regions else ()
    plan = athena.AthenaPlan(
        table=o.athena_table, workgroup=o.workgroup, output_location=o.output_location,
        accounts=tuple(o.athena_accounts), regions=tuple(requested_regions(regions)) if regions else (),
        timeout_seconds=o.remote_timeout_seconds, price_per_tb=o.price_per_tb,
    )
    trees = [(q.name, lang.parse(q.text, origin=q.origin)) for q in queries]
    athena.compile_all(trees, plan, window)  # refuse what SQL cannot express before any call
    state = runs.Windows(o.state_file, o.settle_seconds(), flags.now) if o.state_file else None
    windows = {}
    notices: list[Notice] = []
    if state is not None and window is not None:
        for name, _ in trees:
            windows[name] = state.window_for(name, Target(source=f"athena:{plan.table}"), window)
        for name in [n for n, w in windows.items() if w is None]:
            from trailq.state import nothing_new

            notices.append(nothing_new(name, f"athena:{plan.table}"))
        trees = [(n, t) for n, t in trees if windows.get(n) is not None]
    account = open_accounts(o.profiles[:1], o.role_arns[:1], external_id=o.external_id,
                            role_session_name=o.role_session_name)[0]
    where = account.home_region
    with cancel_on_signals() as signals:
        outcome = athena.run(trees, plan, window, client=account.client("athena", where),
                             stop_client=account.client("athena", where, for_stop=True), region=where,
                             cancel=signals.event, windows=windows or None)
    notices += outcome.notices if o.show_stats else []
    if outcome.stopped:
        notices.append(Notice("error: Athena queries stopped by the abort: " + "; ".join(outcome.stopped), Level.ERROR))
    if outcome.still_running:
        notices.append(Notice("error: Athena queries that could not be stopped and may still be running: "
                              + "; ".join(outcome.still_running), Level.ERROR))
    for result in outcome.results:
        if result.error:
            notices.append(Notice(f"error: {result.query}: {result.error}", Level.ERROR))
    commit = (lambda: state.record(outcome.results)) if state is not None and not outcome.aborted else (lambda: None)
    return Execution(outcome.results, notices, signal_exit_code(outcome.exit_code, signals), {}, commit)
