"""Command line: thin. Options → library calls → render → exit code."""

import click

from trailq import __version__


@click.group()
@click.version_option(__version__, prog_name="trailq")
def main() -> None:
    """Named CloudWatch Logs Insights queries over CloudTrail events."""
