"""`trailq athena setup`: the CREATE EXTERNAL TABLE for a trail's S3 archive, with partition
projection over account, region and delivery date, for a single-account or an organization trail.

The columns are AWS's documented CloudTrail table (athena_table.STRUCTS and friends); every
identifier and literal is quoted by sqlglot. Partition projection computes partitions from the
S3 layout `AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`, so no partition is ever loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from trailq.errors import UsageError
from trailq.sql.athena_table import ACCOUNT_PARTITION, DATE_PARTITION, JSON_COLUMNS, REGION_PARTITION, STRUCTS, TEXT_COLUMNS

# Regions CloudTrail may write to (the projection's enum); a region missing here is not scanned.
REGIONS = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
    "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
    "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2", "us-gov-east-1",
    "us-gov-west-1", "cn-north-1", "cn-northwest-1",
)
_BUCKET = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/[A-Za-z0-9!_.*'()/-]*)?")
_ORGANIZATION = re.compile(r"o-[a-z0-9]{10,32}")
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,127}")
_ACCOUNT = re.compile(r"[0-9]{12}")


@dataclass(frozen=True)
class TableSpec:
    bucket: str  # s3://BUCKET[/PREFIX]
    organization: str | None = None
    database: str = "default"
    table: str = "cloudtrail"
    accounts: tuple[str, ...] = ()
    start_date: str = "2015/01/01"

    def validate(self) -> None:
        if not _BUCKET.fullmatch(self.bucket):
            raise UsageError(f"--bucket {self.bucket!r}: expected s3://BUCKET or s3://BUCKET/PREFIX")
        if self.organization is not None and not _ORGANIZATION.fullmatch(self.organization):
            raise UsageError(f"--organization {self.organization!r}: expected an organization id such as o-a1b2c3d4e5")
        for flag, value in (("--database", self.database), ("--table", self.table)):
            if not _NAME.fullmatch(value):
                raise UsageError(f"{flag} {value!r}: use lower-case letters, digits and _")
        bad = [a for a in self.accounts if not _ACCOUNT.fullmatch(a)]
        if bad:
            raise UsageError(f"--account {bad[0]!r}: expected a 12-digit account id")

    def logs_root(self) -> str:
        prefix = self.bucket.rstrip("/")
        return f"{prefix}/AWSLogs/" + (f"{self.organization}/" if self.organization else "")


def _quote(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect="hive")


def _literal(text: str) -> str:
    return exp.Literal.string(text).sql(dialect="hive")


def _struct_type(members: dict[str, Any]) -> str:
    fields = ", ".join(f"{_quote(k)}: {'STRING' if v is None else _struct_type(v)}" for k, v in members.items())
    return f"STRUCT<{fields}>"


def columns_ddl() -> list[str]:
    columns = [f"{_quote(c)} STRING" for c in TEXT_COLUMNS + JSON_COLUMNS]
    columns += [f"{_quote(name)} {_struct_type(members)}" for name, members in STRUCTS.items()]
    columns.append(f"{_quote('resources')} ARRAY<STRUCT<{_quote('arn')}: STRING, {_quote('accountid')}: STRING, {_quote('type')}: STRING>>")
    return columns


def create_table(spec: TableSpec) -> str:
    """The CREATE EXTERNAL TABLE statement (HiveQL, as Athena's DDL takes it)."""
    spec.validate()
    root = spec.logs_root()
    template = root + "${" + ACCOUNT_PARTITION + "}/CloudTrail/${" + REGION_PARTITION + "}/${" + DATE_PARTITION + "}"
    account_projection = (
        [("projection.account.type", "enum"), ("projection.account.values", ",".join(spec.accounts))]
        if spec.accounts else [("projection.account.type", "injected")]
    )
    properties = [
        ("projection.enabled", "true"),
        *account_projection,
        ("projection.region.type", "enum"),
        ("projection.region.values", ",".join(REGIONS)),
        ("projection.timestamp.type", "date"),
        ("projection.timestamp.format", "yyyy/MM/dd"),
        ("projection.timestamp.range", f"{spec.start_date},NOW"),
        ("projection.timestamp.interval", "1"),
        ("projection.timestamp.interval.unit", "DAYS"),
        ("storage.location.template", template),
    ]
    lines = [f"CREATE EXTERNAL TABLE IF NOT EXISTS {_quote(spec.database)}.{_quote(spec.table)} ("]
    lines += ["  " + c + ("," if i < len(columns_ddl()) - 1 else "") for i, c in enumerate(columns_ddl())]
    lines.append(")")
    partitions = ", ".join(f"{_quote(p)} STRING" for p in (ACCOUNT_PARTITION, REGION_PARTITION, DATE_PARTITION))
    lines.append(f"PARTITIONED BY ({partitions})")
    lines.append("ROW FORMAT SERDE " + _literal("org.apache.hive.hcatalog.data.JsonSerDe"))
    lines.append("STORED AS INPUTFORMAT " + _literal("com.amazon.emr.cloudtrail.CloudTrailInputFormat"))
    lines.append("OUTPUTFORMAT " + _literal("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"))
    lines.append("LOCATION " + _literal(root))
    lines.append("TBLPROPERTIES (")
    lines += [f"  {_literal(k)}={_literal(v)}" + ("," if i < len(properties) - 1 else "") for i, (k, v) in enumerate(properties)]
    lines.append(")")
    return "\n".join(lines)
