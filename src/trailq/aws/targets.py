"""From accounts, regions and --log-group/--discover values to the endpoints a run queries.

A failure while resolving one region (DescribeLogGroups denied, DescribeTrails failing) fails
that endpoint only, and one account unable to list its regions for `--region all` (EC2
DescribeRegions denied) fails that account only: each becomes a failed Result, and the others
still run. Every call goes through the run's budget and deadline, so a cancel or the deadline
while resolving raises budget.Aborted like anywhere else (the caller turns it into an outcome).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trailq.aws.budget import Buckets, CallFailed, Runtime
from trailq.aws.discovery import DiscoveryCache, LogGroupArn, fallback_warnings, find_all, paged  # noqa: F401 - re-exported
from trailq.aws.insights import Caller
from trailq.aws.session import Account, requested_regions
from trailq.result import Level, Notice


@dataclass
class Planned:
    """Where one account+region will be queried, or why it cannot be."""

    account: Account
    region: str | None  # None: the account's regions could not be listed (see failure)
    log_groups: tuple[str, ...] = ()
    failure: CallFailed | None = None
    origins: tuple[str, ...] = ()  # how each log group was found ("flag", "trail:NAME", "managed", ...)
    reason: str = ""  # the failure in words, for the coverage gap

    def origin_of(self, group: str) -> str:
        return dict(zip(self.log_groups, self.origins)).get(group, "flag")


@dataclass
class EndpointPlan:
    """Every endpoint of a run, the regions that hold nothing to search, and run-level warnings."""

    planned: list[Planned]
    warnings: list[Notice]
    nothing_to_search: list[str]


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


def regions_of(account: Account, requested: Sequence[str], buckets: Buckets, runtime: Runtime,
               cache: DiscoveryCache | None = None) -> list[str]:
    """This account's regions for the `--region` values: `all` is the regions it has enabled.

    EC2 DescribeRegions without AllRegions lists exactly the enabled ones (an opt-in region the
    account has not enabled is not part of `all`). Raises CallFailed when the account cannot list
    them, budget.Aborted on cancel or deadline. With a cache, asked once per account for the run.
    """
    key = (account.key, tuple(requested))
    if cache is not None and key in cache.regions:
        return list(cache.regions[key])
    out: list[str] = []
    for name in requested_regions(requested) or [account.home_region]:
        if name.lower() == "all":
            caller = Caller(account.client("ec2", account.home_region), account.key, account.home_region, buckets, runtime)
            found = sorted(r["RegionName"] for r in caller.call("DescribeRegions", {}).get("Regions") or [])
        else:
            found = [name]
        out.extend(r for r in found if r not in out)
    if cache is not None:
        cache.regions[key] = list(out)
    return out


def distinct_accounts(accounts: Sequence[Account]) -> tuple[list[Account], list[Notice]]:
    """One Account per account id (the first credentials win), plus a warning for each repeat.

    `--profile a --role-arn arn:aws:iam::<A>:role/Audit` can reach the same account twice;
    querying it twice would report every row twice.
    """
    first: dict[str, Account] = {}
    warnings: list[Notice] = []
    for account in accounts:
        kept = first.setdefault(account.key, account)
        if kept is not account:
            warnings.append(Notice(
                f"{kept.origin or kept.label} and {account.origin or account.label} both reach account {account.key}; "
                f"it is queried once, with {kept.origin or kept.label}"
            ))
    return list(first.values()), warnings


def plan_endpoints(
    accounts: Sequence[Account],
    regions: Sequence[str],
    log_groups: Sequence[str],
    *,
    discover: bool,
    buckets: Buckets,
    runtime: Runtime,
    cache: DiscoveryCache | None = None,
    origin: str = "flag",
) -> EndpointPlan:
    """Every (account, region) to query, with its log groups; plus run-level warnings.

    `origin` names where explicit log groups came from ("flag" or "catalog"); discovered ones
    carry their own. Raises budget.Aborted when the run is cancelled or out of time while resolving.
    """
    cache = cache or DiscoveryCache()
    planned: list[Planned] = []
    warnings: list[Notice] = []
    per_account: list[tuple[Account, list[str]]] = []
    for account in accounts:
        try:
            per_account.append((account, regions_of(account, regions, buckets, runtime, cache)))
        except CallFailed as failed:
            planned.append(Planned(account, None, failure=failed, reason=str(failed)))
    if discover:
        return _discovered(per_account, planned, accounts, buckets, runtime, cache)
    nothing: list[str] = []  # regions where no log group matches a prefix: listed in every Result's coverage
    for account, account_regions in per_account:
        for region in account_regions:
            caller = Caller(account.client("logs", region), account.key, region, buckets, runtime)
            try:
                groups = expand_log_groups(caller, log_groups, region)
            except CallFailed as failed:
                planned.append(Planned(account, region, failure=failed, reason=str(failed)))
                continue
            if not groups:
                warnings.append(Notice(f"account {account.key} {region}: no log group matches {', '.join(log_groups)}; region skipped",
                                        Level.LOST))
                nothing.append(f"{account.key}/{region}")
                continue
            kinds = tuple(origin if g in log_groups else "prefix" for g in groups)
            planned.append(Planned(account, region, tuple(groups), origins=kinds))
    return EndpointPlan(_merge_same_endpoint(planned), warnings, nothing)


def _discovered(per_account: list[tuple[Account, list[str]]], planned: list[Planned], accounts: Sequence[Account],
                buckets: Buckets, runtime: Runtime, cache: DiscoveryCache) -> EndpointPlan:
    """Endpoints from discovery: each group once, in the region it lives in; empty regions listed."""
    work = [(account, region) for account, account_regions in per_account for region in account_regions]
    findings = find_all(cache, work, buckets, runtime)
    in_run = {a.account_id for a in accounts if a.account_id}
    by_key = {a.key: a for a in accounts}
    groups: dict[tuple[str, str], dict[str, str]] = {}  # (account key, region) -> group -> origin
    warnings: list[Notice] = fallback_warnings(findings)
    for found in findings:
        account = by_key[found.account]
        if found.failure is not None:
            planned.append(Planned(account, found.region, failure=found.failure, reason=found.reason))
            continue
        for source in found.sources:
            if source.owner != account.account_id and source.owner in in_run:
                # A linked source account's group, or an organisation trail's group in the management
                # account: that account is in the run, so it is queried there, once.
                how = "linked from" if source.origin.startswith("linked:") else f"{source.origin}, owned by"
                note = Notice(f"account {found.account} {found.region}: {source.group} ({how} account {source.owner}) is "
                              f"queried once, with account {source.owner}'s own credentials")
                if note not in warnings:
                    warnings.append(note)
                continue
            groups.setdefault((found.account, source.region), {}).setdefault(source.group, source.origin)
    failed = {(p.account.key, p.region) for p in planned}
    nothing = [f"{f.account}/{f.region}" for f in findings
               if f.failure is None and (f.account, f.region) not in groups and (f.account, f.region) not in failed]
    for (key, region), found_groups in groups.items():
        planned.append(Planned(by_key[key], region, tuple(found_groups), origins=tuple(found_groups.values())))
    return EndpointPlan(_merge_same_endpoint(planned), warnings, nothing)


def _merge_same_endpoint(planned: list[Planned]) -> list[Planned]:
    """One endpoint per account id and region (several trails may stream to one region's groups)."""
    merged: dict[tuple[str, str | None], Planned] = {}
    for item in planned:
        key = (item.account.key, item.region)
        if key not in merged:
            merged[key] = item
        elif item.failure is None and merged[key].failure is None:
            origins = {**dict(zip(item.log_groups, item.origins)), **dict(zip(merged[key].log_groups, merged[key].origins))}
            groups = tuple(dict.fromkeys(merged[key].log_groups + item.log_groups))
            merged[key] = Planned(item.account, item.region, groups, origins=tuple(origins.get(g, "flag") for g in groups))
    return list(merged.values())
