"""AWS's CloudTrail table in Athena: how a Logs Insights field reads from it, and its DDL.

The columns are those of the CREATE TABLE AWS documents for CloudTrail with partition projection:
lower-case names; `useridentity`, `tlsdetails` and `addendum` structs; `requestparameters`,
`responseelements`, `additionaleventdata`, `serviceeventdetails` JSON strings read with
`json_extract_scalar` (keys inside them keep their case). `trailq athena setup` adds partition
columns for account, region and the delivery date (`timestamp`, `yyyy/MM/dd`, AWS's name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlglot import exp

from trailq.errors import UsageError
from trailq.sql.dialects import ATHENA, Dialect, call, number
from trailq.sql.shapes import LOG_GROUP, json_path, log_stream, time_between
from trailq.timerange import TimeRange

# Struct columns: lower-case member → nested members (None: a leaf).
_SESSION_ISSUER = {"type": None, "principalid": None, "arn": None, "accountid": None, "username": None}
STRUCTS: dict[str, dict[str, Any]] = {
    "useridentity": {
        "type": None, "principalid": None, "arn": None, "accountid": None, "invokedby": None,
        "accesskeyid": None, "username": None,
        "onbehalfof": {"userid": None, "identitystorearn": None},
        "sessioncontext": {
            "attributes": {"mfaauthenticated": None, "creationdate": None},
            "sessionissuer": _SESSION_ISSUER,
            "ec2roledelivery": None,
            "sourceidentity": None,
            # Not in AWS's example DDL; CloudTrail writes it for AssumeRoot sessions (root-activity reads it).
            "assumedroot": None,
            "webidfederationdata": {"federatedprovider": None},
        },
    },
    "tlsdetails": {"tlsversion": None, "ciphersuite": None, "clientprovidedhostheader": None},
    "addendum": {"reason": None, "updatedfields": None, "originalrequestid": None, "originaleventid": None},
}
JSON_COLUMNS = ("requestparameters", "responseelements", "additionaleventdata", "serviceeventdetails")
TEXT_COLUMNS = (
    "eventversion", "eventtime", "eventsource", "eventname", "awsregion", "sourceipaddress", "useragent",
    "errorcode", "errormessage", "requestid", "eventid", "readonly", "eventtype", "apiversion",
    "recipientaccountid", "sharedeventid", "vpcendpointid", "vpcendpointaccountid", "eventcategory",
    "sessioncredentialfromconsole", "edgedevicedetails",
)
# Top-level keys CloudTrail writes that AWS's table has no column for (lower case).
RECORD_KEYS_WITHOUT_COLUMN = frozenset({"managementevent", "resources", "insightdetails", "eventregion"})
# Partition columns of the table `trailq athena setup` creates.
ACCOUNT_PARTITION, REGION_PARTITION, DATE_PARTITION = "account", "region", "timestamp"
DATE_FORMAT = "%Y/%m/%d"
# CloudTrail delivers a record some minutes after its event, into the folder of the delivery day:
# a window's last day's events may sit in the next day's partition.
DELIVERY_SLACK = timedelta(days=1)


def _dotted(*names: str) -> exp.Expr:
    node: exp.Expr = exp.column(names[0], quoted=True)
    for name in names[1:]:
        node = exp.Dot(this=node, expression=exp.to_identifier(name, quoted=True))
    return node


def _struct_member(segments: list[str]) -> exp.Expr | None:
    """A leaf of a struct column (members matched case-insensitively), a missing value for a name that
    is no CloudTrail key, None (refused) for a CloudTrail key the table does not declare."""
    head = segments[0].lower()
    members = STRUCTS.get(head)
    if members is None:
        # A CloudTrail key the table has no column for is refused; any other name is in no record
        # (a field no command set), so it is missing, as on CloudWatch.
        return None if head in RECORD_KEYS_WITHOUT_COLUMN else exp.Cast(this=exp.Null(), to=exp.DataType.build("varchar"))
    path = [head]
    for segment in segments[1:]:
        if not isinstance(members, dict) or segment.lower() not in members:
            return None
        path.append(segment.lower())
        members = members[segment.lower()]
    if members is not None:  # a struct itself is not a field (only leaves are)
        return None
    return _dotted(*path)


@dataclass(frozen=True)
class AthenaTable:
    """A CloudTrail table in Athena, `database.table` (or a bare table name)."""

    name: str
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    dialect: Dialect = Dialect(ATHENA)
    partitioned: bool = True
    description: str = "Athena's CloudTrail table"

    def __post_init__(self) -> None:
        parts = self.name.split(".")
        if not 1 <= len(parts) <= 2 or not all(parts):
            raise UsageError(f"--athena {self.name!r}: expected DATABASE.TABLE")

    def source(self) -> exp.Expr:
        parts = self.name.split(".")
        return exp.to_table(".".join(f'"{p}"' for p in parts), dialect="athena") if len(parts) == 2 else exp.to_table(parts[0], quoted=True)

    def field(self, name: str) -> exp.Expr | None:
        if name == "@logStream":
            return log_stream(exp.column("recipientaccountid", quoted=True), exp.column("awsregion", quoted=True))
        if name == "@log":
            return exp.DPipe(this=exp.column("recipientaccountid", quoted=True), expression=exp.Literal.string(":" + LOG_GROUP))
        if name == "@ptr":
            return exp.column("eventid", quoted=True)  # unique per event; the record itself is not kept
        if name == "@message":
            from trailq.sql.athena_message import record_json

            return record_json()  # rebuilt from the columns: docs/semantics.md, "SQL engines"
        if name.startswith("@"):
            return None
        segments = name.split(".")
        head = segments[0].lower()
        if head in TEXT_COLUMNS and len(segments) == 1:
            return exp.column(head, quoted=True)
        if head in JSON_COLUMNS:
            if len(segments) == 1:
                return exp.column(head, quoted=True)
            return exp.JSONExtractScalar(this=exp.column(head, quoted=True), expression=exp.Literal.string(json_path(segments[1:])))
        return _struct_member(segments)

    def timestamp_ms(self) -> exp.Expr:
        moment = call("from_iso8601_timestamp", exp.column("eventtime", quoted=True))
        return exp.Cast(this=exp.Mul(this=call("to_unixtime", moment), expression=number(1000)), to=exp.DataType.build("bigint"))

    def window(self, time_range: TimeRange) -> list[exp.Expr]:
        predicates: list[exp.Expr] = []
        if self.partitioned:
            first = time_range.start.strftime(DATE_FORMAT)
            last = (time_range.end + DELIVERY_SLACK).strftime(DATE_FORMAT)
            predicates.append(exp.Between(this=exp.column(DATE_PARTITION, quoted=True),
                                          low=exp.Literal.string(first), high=exp.Literal.string(last)))
        predicates.append(time_between(self.timestamp_ms(), time_range))
        return predicates

    def any_record_sql(self, time_range: TimeRange | None) -> str:
        """SQL that reads at most one record of the scope and window (no ORDER BY, so Athena stops at
        the first): it tells a table with no data there from a query Athena answered without reading."""
        select = exp.select(number(1)).from_(self.source())
        for predicate in [*self.scope(), *(self.window(time_range) if time_range is not None else [])]:
            select = select.where(predicate)
        return self.dialect.sql(select.limit(1), pretty=False)

    def scope(self) -> list[exp.Expr]:
        """Account and region partition predicates (the run's --account/--region)."""
        predicates: list[exp.Expr] = []
        for column, values in ((ACCOUNT_PARTITION, self.accounts), (REGION_PARTITION, self.regions)):
            if values:
                predicates.append(exp.In(this=exp.column(column, quoted=True), expressions=[exp.Literal.string(v) for v in values]))
        return predicates
