"""`trailq sql` (the SQL a catalog query compiles to) and `trailq athena setup` (the CloudTrail
table for a trail's S3 archive). Part of the command line; the work is in trailq.sql.
"""

from __future__ import annotations

import sys

import click

from trailq import catalog as catalog_mod, errors, lang
from trailq.cli import catalog_option, main, param_option
from trailq.params import parse_assignments
from trailq.timerange import resolve, utc_now

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
