"""The package's front door (DESIGN.md): `trailq.parse`, `trailq.run_local`, `trailq.__version__`,
loaded only when first asked for."""

from __future__ import annotations

import subprocess
import sys

import pytest

import trailq
from trailq.engine import sample_sources


def test_parse_and_run_local_answer_over_the_sample() -> None:
    query = trailq.parse('filter eventName = "ConsoleLogin" | stats count(*) as n')
    result = trailq.run_local(query, name="facade", sources=sample_sources(), time_range=None)
    assert result.columns == ["n"]
    assert int(result.rows[0]["n"]) > 0
    assert result.statistics.records_scanned > 0


def test_importing_the_package_loads_neither_the_language_nor_the_engine() -> None:
    code = "import sys, trailq; print('trailq.lang' in sys.modules, 'trailq.engine' in sys.modules, trailq.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[:2] == ["False", "False"]
    assert out[2] == trailq.__version__


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        trailq.nope  # noqa: B018


def test_design_md_module_paths_name_the_moved_modules() -> None:
    """DESIGN.md's layout names `output.py` and `checks.py` at the top; they moved into reporting/."""
    import trailq.checks
    import trailq.output
    from trailq.reporting import checks, output

    assert trailq.output is output and trailq.checks is checks
    assert trailq.output.render is output.render and trailq.checks.evaluate is checks.evaluate
