"""Catalog examples in the README and docs are valid catalogs (a user copies them as they are)."""

import re
from pathlib import Path

import pytest

from trailq import catalog

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def catalog_blocks():
    for doc in DOCS:
        for number, block in enumerate(re.findall(r"```yaml\n(.*?)```", doc.read_text(), re.S)):
            if re.search(r"^queries:", block, re.M):
                yield pytest.param(block, id=f"{doc.name}-{number}")


@pytest.mark.parametrize("block", list(catalog_blocks()))
def test_documented_catalogs_are_valid(block, tmp_path):
    path = tmp_path / "queries.yaml"
    path.write_text(block)
    loaded = catalog.load([str(path)], include_builtin=False, include_cwd=False)
    assert loaded.queries


def test_every_command_in_the_readme_tour_exists():
    from click.testing import CliRunner

    from trailq import cli

    code = "\n".join(re.findall(r"```\n(.*?)```", (ROOT / "README.md").read_text(), re.S))
    used = set(re.findall(r"^(?:\$ )?trailq ([a-z]+)", code, re.M))
    assert used >= {"list", "show", "run", "check"}
    for command in used:
        assert CliRunner().invoke(cli.main, [command, "--help"]).exit_code == 0, command
