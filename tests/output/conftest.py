"""Fixtures for the output tests; the builders live in result_builders.py (a unique module name:
`conftest` is also the name of tests/aws/conftest.py)."""

from __future__ import annotations

import pytest
from result_builders import empty, failed, logins

from trailq.result import Result


@pytest.fixture
def one() -> list[Result]:
    return [logins()]


@pytest.fixture
def several() -> list[Result]:
    return [logins("us-east-1"), logins("eu-north-1"), empty(), failed()]
