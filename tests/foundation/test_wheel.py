"""The wheel carries the built-in catalog: `trailq list` works from an installed wheel, anywhere."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the wheel offline (hatchling from the test environment) and install it into a folder."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(work / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheels = list((work / "dist").glob("trailq-*.whl"))
    assert len(wheels) == 1
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(target), str(wheels[0])],
        check=True,
        capture_output=True,
    )
    return target


def run_installed(target: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH puts the installed copy ahead of the editable checkout; dependencies come from this venv.
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run([sys.executable, "-m", "trailq", *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_wheel_contains_the_catalog(installed):
    assert (installed / "trailq" / "builtin" / "queries.yaml").is_file()
    assert (installed / "trailq" / "builtin" / "insights" / "console-logins.insights").is_file()


def test_list_from_another_folder_uses_the_installed_copy(installed, tmp_path):
    where = run_installed(installed, "show", "console-logins", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    listing = run_installed(installed, "list", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    for name in ("console-logins", "console-logins-without-mfa", "root-activity", "switch-role"):
        assert name in listing.stdout
    origin = subprocess.run(
        [sys.executable, "-c", "import trailq, trailq.catalog as c; print(trailq.__file__); print(c.builtin_path())"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(installed)}, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert all(line.startswith(str(installed)) for line in origin)
