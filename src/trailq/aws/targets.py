"""From accounts, regions and --log-group/--discover values to the endpoints a run queries.

A failure while resolving one region (DescribeLogGroups denied, DescribeTrails failing) fails
that endpoint only: it becomes a failed Result, and the other regions still run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from trailq.aws.budget import Buckets, CallFailed, Runtime
from trailq.aws.insights import Caller
from trailq.aws.session import Account, expand_regions


@dataclass(frozen=True)
class LogGroupArn:
    region: str
    account: str
    name: str

    @classmethod
    def parse(cls, arn: str) -> "LogGroupArn | None":
        """`arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]` → parts (None when not a log-group ARN)."""
        parts = arn.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn" or parts[2] != "logs" or not parts[5].startswith("log-group:"):
            return None
        name = parts[5][len("log-group:") :]
        name = name[:-2] if name.endswith(":*") else name
        return cls(parts[3], parts[4], name)


@dataclass
class Planned:
    """Where one account+region will be queried, or why it cannot be."""

    account: Account
    region: str
    log_groups: tuple[str, ...] = ()
    failure: CallFailed | None = None


def paged(caller: Caller, action: str, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Every item of a nextToken-paged Describe* call, each page through the shared bucket."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        reply = caller.call(action, {**params, **({"nextToken": token} if token else {})})
        items.extend(reply.get(key) or [])
        token = reply.get("nextToken")
        if not token:
            return items


def expand_log_groups(caller: Caller, requested: Sequence[str], region: str) -> list[str]:
    """Names pass through; ARNs stay in their own region only; `prefix*` becomes the matching names."""
    out: list[str] = []
    for value in requested:
        if value.startswith("arn:"):
            arn = LogGroupArn.parse(value)
            if arn is None or arn.region == region:
                out.append(value)
            continue
        if value.endswith("*"):
            found = paged(caller, "DescribeLogGroups", {"logGroupNamePrefix": value[:-1]}, "logGroups")
            out.extend(g["logGroupName"] for g in found)
            continue
        out.append(value)
    return list(dict.fromkeys(out))


def trails_in(caller: Caller) -> list[dict[str, Any]]:
    """CloudTrail DescribeTrails with shadow trails (multi-region trails seen from another region)."""
    return list(caller.call("DescribeTrails", {"includeShadowTrails": True}).get("trailList") or [])


def plan_endpoints(
    accounts: Sequence[Account],
    regions: Sequence[str],
    log_groups: Sequence[str],
    *,
    discover: bool,
    buckets: Buckets,
    runtime: Runtime,
) -> tuple[list[Planned], list[str]]:
    """Every (account, region) to query, with its log groups; plus run-level warnings."""
    planned: list[Planned] = []
    warnings: list[str] = []
    for account in accounts:
        for region in expand_regions(account, regions):
            if discover:
                _discover_into(planned, warnings, account, region, buckets, runtime)
                continue
            caller = Caller(account.client("logs", region), account.account_id or account.label, region, buckets, runtime)
            try:
                groups = expand_log_groups(caller, log_groups, region)
            except CallFailed as failed:
                planned.append(Planned(account, region, failure=failed))
                continue
            if not groups:
                warnings.append(f"account {account.account_id} {region}: no log group matches {', '.join(log_groups)}; region skipped")
                continue
            planned.append(Planned(account, region, tuple(groups)))
    return _merge_same_endpoint(planned), warnings


def _discover_into(planned: list[Planned], warnings: list[str], account: Account, region: str, buckets: Buckets, runtime: Runtime) -> None:
    """A multi-region trail streams to one log group in its home region: query it there, once."""
    caller = Caller(account.client("cloudtrail", region), account.account_id or account.label, region, buckets, runtime)
    try:
        trails = trails_in(caller)
    except CallFailed as failed:
        planned.append(Planned(account, region, failure=failed))
        return
    found = False
    for trail in trails:
        arn = LogGroupArn.parse(trail.get("CloudWatchLogsLogGroupArn") or "")
        if arn is None:
            continue
        found = True
        group = arn.name if arn.account in (account.account_id, "") else trail["CloudWatchLogsLogGroupArn"]
        planned.append(Planned(account, arn.region, (group,)))
    if not found:
        warnings.append(f"account {account.account_id} {region}: no trail sends events to CloudWatch Logs here")


def _merge_same_endpoint(planned: list[Planned]) -> list[Planned]:
    merged: dict[tuple[str, str], Planned] = {}
    for item in planned:
        key = (item.account.label, item.region)
        if key not in merged:
            merged[key] = item
        elif item.failure is None and merged[key].failure is None:
            groups = tuple(dict.fromkeys(merged[key].log_groups + item.log_groups))
            merged[key] = Planned(item.account, item.region, groups)
    return list(merged.values())
