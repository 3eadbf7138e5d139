"""Fail-closed audit of the CloudWatch backend: every way the AWS side can fail or answer partially.

Each scenario injects one failure into one region of a two-region `trailq check` (the fake on
loopback, or a botocore exception in process) and pins what the user gets: the exit code of
DESIGN.md, one line naming the account, region (and log group where known), the region counted as a
coverage gap, the other region's rows still there, and a check that fails closed ("could not
judge", exit 5) unless --allow-partial, which judges the rest and says what is missing.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import botocore.exceptions as bx
import pytest
from aws_support import T0, A
from click.testing import CliRunner
from fakelogs import FakeError

from trailq import cli
from trailq.aws.session import Account

WINDOW = [
    "--start", datetime.fromtimestamp(T0, timezone.utc).isoformat(),
    "--end", datetime.fromtimestamp(T0 + 3600, timezone.utc).isoformat(),
]
REGIONS = ["--profile", "a", "--region", "us-east-1,us-west-2"]
CATALOG = (
    "version: 1\nqueries:\n"
    "  audit:\n    description: nothing should match\n    log_groups: [Audit]\n"
    "    query: 'fields @message'\n    check: {max_rows: 0}\n"
)


@pytest.fixture
def audit(served, tmp_path):
    """The served fake with an empty `Audit` group in every region: a complete check passes."""
    for region in served.regions:
        served.add_group(A, region, "Audit")
    catalog = tmp_path / "audit.yaml"
    catalog.write_text(CATALOG)
    served.catalog = str(catalog)
    return served


def check(fake, *extra: str):
    args = ["check", "audit", "--catalog", fake.catalog, *REGIONS, *WINDOW, "--timeout", "20s", *extra]
    return CliRunner().invoke(cli.main, args, catch_exceptions=False)


def run_json(fake, *extra: str):
    args = ["run", "audit", "--catalog", fake.catalog, *REGIONS, *WINDOW, "--timeout", "20s", "--format", "json", *extra]
    result = CliRunner().invoke(cli.main, args, catch_exceptions=False)
    return result, {r["target"]["region"]: r for r in json.loads(result.stdout or "[]")}


def assert_fails_closed(fake, code: int = 5, *, names: tuple[str, ...] = ("us-west-2",)):
    """us-west-2 failed: check exits `code` naming it; --allow-partial judges us-east-1 and says what is missing."""
    closed = check(fake)
    assert closed.exit_code == code, closed.output
    assert "Traceback" not in closed.output
    lines = [line for line in closed.stderr.splitlines() if "us-west-2" in line]
    assert lines, closed.stderr
    for name in names:
        assert any(name in line for line in lines), (name, closed.stderr)
    assert "us-east-1" in closed.stdout and "PASS" in closed.stdout  # the region that answered is judged
    partial = check(fake, "--allow-partial")
    assert partial.exit_code == 0, partial.output
    assert "partial input accepted" in partial.stdout and "us-west-2" in partial.stdout
    return closed


def assert_gap(fake, *words: str):
    result, by_region = run_json(fake)
    assert result.exit_code == 5, result.output
    assert by_region["us-east-1"]["status"] == "Complete" and by_region["us-east-1"]["coverage"]["complete"]
    failed = by_region["us-west-2"]
    assert failed["status"] != "Complete" and not failed["coverage"]["complete"]
    gap = failed["coverage"]["gaps"][0]
    assert gap["kind"] == "region" and gap["where"] == f"{A}/us-west-2"
    for word in words:
        assert word in gap["reason"], gap


# -- the error codes of the logs model (and the ones IAM/STS/the edge return) at StartQuery --------

START_ERRORS = [
    ("AccessDeniedException", 400),
    ("ResourceNotFoundException", 400),
    ("InvalidParameterException", 400),
    ("ServiceUnavailableException", 503),
    ("ThrottlingException", 400),
    ("UnrecognizedClientException", 400),
    ("ExpiredTokenException", 400),
    ("InvalidClientTokenId", 403),
    ("OptInRequired", 403),
    ("SomeCodeNobodyHasSeenException", 400),
]


@pytest.mark.parametrize("code, status", START_ERRORS)
def test_start_query_error_in_one_region_fails_the_check_closed(audit, code, status):
    audit.start_failures[(A, "us-west-2")] = FakeError(code, f"{code} says no", status)
    closed = assert_fails_closed(audit)
    assert code in closed.stderr
    assert_gap(audit, code)


@pytest.mark.parametrize("code, status", START_ERRORS)
def test_get_query_results_error_in_one_region_fails_the_check_closed(audit, code, status):
    audit.results_failures[(A, "us-west-2")] = FakeError(code, f"{code} says no", status)
    closed = assert_fails_closed(audit)
    assert code in closed.stderr
    assert_gap(audit, code)
