"""Published third-party CloudTrail records (../shared/fixtures/cloudtrail, read at test time, never
copied) and the reference's CloudTrail sample queries (§7.1) on project-written records."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import orjson
import pytest

from trailq.engine import run_local
from trailq.lang import parse

SHARED = Path(__file__).resolve().parents[3] / "shared"
FIXTURES = SHARED / "fixtures" / "cloudtrail"
REFERENCE = SHARED / "reference" / "logs-insights.md"


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/fixtures/cloudtrail is absent")
def test_published_records_all_load_and_count_by_event_source() -> None:
    files = sorted(FIXTURES.glob("*.json"))
    expected: Counter = Counter()
    total = 0
    for path in files:
        for record in json.loads(path.read_text()):
            total += 1
            source = record.get("eventSource")
            expected[source if isinstance(source, str) else None] += 1
    result = run_local(
        parse("stats count(*) by eventSource | limit 10000"), name="published", sources=[str(f) for f in files], time_range=None
    )
    assert result.statistics.records_scanned == total
    assert not any("unreadable" in w for w in result.warnings)
    got = {row.get("eventSource"): int(row["count(*)"]) for row in result.rows}
    assert got == dict(expected)


def _sample_queries() -> list[str]:
    text = REFERENCE.read_text()
    section = text[text.index("### 7.1") : text.index("### 7.2")]
    blocks = re.findall(r"```\n(.*?)```", section, re.DOTALL)
    return [b.strip() for b in blocks if not b.lstrip().upper().startswith("SOURCE")]


def _record(name: str, source: str, region: str, **extra: object) -> dict:
    base = {"eventTime": "2024-05-01T10:00:00Z", "eventName": name, "eventSource": source, "awsRegion": region,
            "recipientAccountId": "111122223333", "userIdentity": {"accountId": "111122223333"}, "userAgent": "aws-cli/2",
            "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256"}}
    base.update(extra)
    return base


PROJECT_RECORDS = [
    _record("StartInstances", "ec2.amazonaws.com", "us-east-2"),
    _record("StopInstances", "ec2.amazonaws.com", "us-east-2"),
    _record("StopInstances", "ec2.amazonaws.com", "eu-west-1"),
    _record(
        "CreateUser",
        "iam.amazonaws.com",
        "us-east-1",
        requestParameters={"userName": "carol"},
        responseElements={"user": {"arn": "arn:aws:iam::111122223333:user/carol"}},
    ),
    _record("UpdateTrail", "cloudtrail.amazonaws.com", "us-east-1", errorCode="TrailNotFoundException", errorMessage="Unknown trail"),
    _record("UpdateTrail", "cloudtrail.amazonaws.com", "us-east-1"),
    _record("ListBuckets", "s3.amazonaws.com", "us-east-1", tlsDetails={"tlsVersion": "TLSv1.1", "cipherSuite": "ECDHE-RSA-AES128-SHA"}),
    _record("ListBuckets", "s3.amazonaws.com", "us-east-1", tlsDetails={"tlsVersion": "TLSv1", "cipherSuite": "ECDHE-RSA-AES128-SHA"}),
]


@pytest.mark.skipif(not REFERENCE.is_file(), reason="../shared/reference is absent")
def test_reference_cloudtrail_sample_queries(tmp_path: Path) -> None:
    queries = _sample_queries()
    assert len(queries) >= 6
    source = tmp_path / "trail.jsonl"
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in PROJECT_RECORDS))
    results = {q: run_local(parse(q), name="sample", sources=[str(source)], time_range=None) for q in queries}
    by_start = {q.split("\n")[0].strip(): r for q, r in results.items()}
    counts = by_start["stats count(*) by eventSource, eventName, awsRegion"].rows
    assert {"eventSource": "ec2.amazonaws.com", "eventName": "StopInstances", "awsRegion": "us-east-2", "count(*)": "1"} in counts
    assert sum(int(r["count(*)"]) for r in counts) == len(PROJECT_RECORDS)
    ec2 = by_start['filter (eventName="StartInstances" or eventName="StopInstances") and awsRegion="us-east-2"'].rows
    assert len(ec2) == 2 and all("@message" in r for r in ec2)
    created = by_start['filter eventName="CreateUser"'].rows
    assert [{k: v for k, v in r.items() if k != "@ptr"} for r in created] == [
        {
            "awsRegion": "us-east-1",
            "requestParameters.userName": "carol",
            "responseElements.user.arn": "arn:aws:iam::111122223333:user/carol",
        }
    ]
    trail = by_start['filter eventName="UpdateTrail" and ispresent(errorCode)'].rows
    assert trail == [{"errorCode": "TrailNotFoundException", "errorMessage": "Unknown trail", "count(*)": "1"}]
    tls = [r for q, r in results.items() if "numOutdatedTlsCalls desc" in q][0].rows
    assert tls == [{"eventSource": "s3.amazonaws.com", "numOutdatedTlsCalls": "2"}]
    detailed = [r for q, r in results.items() if "sort eventSource, eventName" in q][0].rows
    assert [r["tlsDetails.tlsVersion"] for r in detailed] == ["TLSv1", "TLSv1.1"]
