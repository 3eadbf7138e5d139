"""From accounts, regions and --log-group/--discover values to the endpoints a run queries.

A failure while resolving one region (DescribeLogGroups denied, DescribeTrails failing) fails
that endpoint only, and one account unable to list its regions for `--region all` (EC2
DescribeRegions denied) fails that account only: each becomes a failed Result, and the others
still run. Every call goes through the run's budget and deadline, so a cancel or the deadline
while resolving raises budget.Aborted like anywhere else (the caller turns it into an outcome).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from trailq.aws.budget import Buckets, CallFailed, Runtime
from trailq.aws.insights import Caller
from trailq.aws.session import Account, requested_regions


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
    region: str | None  # None: the account's regions could not be listed (see failure)
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


def regions_of(account: Account, requested: Sequence[str], buckets: Buckets, runtime: Runtime) -> list[str]:
    """This account's regions for the `--region` values: `all` is the regions it has enabled.

    EC2 DescribeRegions without AllRegions lists exactly the enabled ones. Raises CallFailed when
    the account cannot list them, budget.Aborted on cancel or deadline.
    """
    out: list[str] = []
    for name in requested_regions(requested) or [account.home_region]:
        if name.lower() == "all":
            caller = Caller(account.client("ec2", account.home_region), account.key, account.home_region, buckets, runtime)
            found = sorted(r["RegionName"] for r in caller.call("DescribeRegions", {}).get("Regions") or [])
        else:
            found = [name]
        out.extend(r for r in found if r not in out)
    return out


def distinct_accounts(accounts: Sequence[Account]) -> tuple[list[Account], list[str]]:
    """One Account per account id (the first credentials win), plus a warning for each repeat.

    `--profile a --role-arn arn:aws:iam::<A>:role/Audit` can reach the same account twice;
    querying it twice would report every row twice.
    """
    first: dict[str, Account] = {}
    warnings: list[str] = []
    for account in accounts:
        kept = first.setdefault(account.key, account)
        if kept is not account:
            warnings.append(
                f"{kept.origin or kept.label} and {account.origin or account.label} both reach account {account.key}; "
                f"it is queried once, with {kept.origin or kept.label}"
            )
    return list(first.values()), warnings


def plan_endpoints(
    accounts: Sequence[Account],
    regions: Sequence[str],
    log_groups: Sequence[str],
    *,
    discover: bool,
    buckets: Buckets,
    runtime: Runtime,
) -> tuple[list[Planned], list[str]]:
    """Every (account, region) to query, with its log groups; plus run-level warnings.

    Raises budget.Aborted when the run is cancelled or out of time while resolving.
    """
    planned: list[Planned] = []
    warnings: list[str] = []
    for account in accounts:
        try:
            account_regions = regions_of(account, regions, buckets, runtime)
        except CallFailed as failed:
            planned.append(Planned(account, None, failure=failed))
            continue
        for region in account_regions:
            if discover:
                _discover_into(planned, warnings, account, region, buckets, runtime)
                continue
            caller = Caller(account.client("logs", region), account.key, region, buckets, runtime)
            try:
                groups = expand_log_groups(caller, log_groups, region)
            except CallFailed as failed:
                planned.append(Planned(account, region, failure=failed))
                continue
            if not groups:
                warnings.append(f"account {account.key} {region}: no log group matches {', '.join(log_groups)}; region skipped")
                continue
            planned.append(Planned(account, region, tuple(groups)))
    return _merge_same_endpoint(planned), warnings


def _discover_into(planned: list[Planned], warnings: list[str], account: Account, region: str, buckets: Buckets, runtime: Runtime) -> None:
    """A multi-region trail streams to one log group in its home region: query it there, once."""
    caller = Caller(account.client("cloudtrail", region), account.key, region, buckets, runtime)
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
        warnings.append(f"account {account.key} {region}: no trail sends events to CloudWatch Logs here")


def _merge_same_endpoint(planned: list[Planned]) -> list[Planned]:
    """One endpoint per account id and region (several trails may stream to one region's groups)."""
    merged: dict[tuple[str, str | None], Planned] = {}
    for item in planned:
        key = (item.account.key, item.region)
        if key not in merged:
            merged[key] = item
        elif item.failure is None and merged[key].failure is None:
            groups = tuple(dict.fromkeys(merged[key].log_groups + item.log_groups))
            merged[key] = Planned(item.account, item.region, groups)
    return list(merged.values())
