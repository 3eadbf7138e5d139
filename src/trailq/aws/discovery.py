"""Where CloudTrail lands in CloudWatch Logs, per account and region, found without configuration.

Asked once per account and region and cached for the whole run (every query group of one
`trailq run` shares a `DiscoveryCache`). Per region, three calls, all through the run's budget:

- CloudTrail `DescribeTrails` with shadow trails: each trail's `CloudWatchLogsLogGroupArn`. A
  multi-region (or organisation) trail shows up in every region but its log group lives in the
  ARN's region only, so the group is planned there, once.
- Logs `ListLogGroups` with `logGroupNamePattern` for the names CloudTrail's own copies use:
  `aws/cloudtrail/...` (CloudWatch-managed groups created by telemetry rules: "managed"; a suffix
  that is an event data store id is a CloudTrail Lake import: "lake"), the console's
  `aws-cloudtrail-logs-...` and the historical `CloudTrail/...` names ("prefix").
- Logs `ListLogGroups` with `dataSources` = the CloudTrail data source ("data-source").
Both ListLogGroups calls set `includeLinkedAccounts`, so a monitoring account also returns its
source accounts' groups, by ARN ("linked:ACCOUNT"); those are queried through
`logGroupIdentifiers`.

A failed call makes the region a gap (the findings carry the failure); an opt-in region the
account has not enabled is named as such (EC2 DescribeRegions with AllRegions, asked only then).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from trailq.aws.budget import Buckets, CallFailed, Kind, Runtime
from trailq.aws.insights import Caller
from trailq.aws.session import Account, operation_not_offered
from trailq.result import Level, Notice

# logGroupNamePattern: up to five `|`-separated regular expressions of 3-24 characters, case-sensitive.
CLOUDTRAIL_NAME_PATTERN = "^aws/cloudtrail/|^/aws/cloudtrail/|^aws-cloudtrail-logs|^CloudTrail/"
# The same names for DescribeLogGroups' logGroupNamePrefix, where ListLogGroups is not offered.
CLOUDTRAIL_NAME_PREFIXES = ("aws/cloudtrail/", "/aws/cloudtrail/", "aws-cloudtrail-logs", "CloudTrail/")
LIST_LOG_GROUPS_ATTEMPTS = 2
# The data source name CloudWatch gives CloudTrail events (ListLogGroups `dataSources` filter).
CLOUDTRAIL_DATA_SOURCE = "aws_cloudtrail"
_EVENT_DATA_STORE_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# When one group is found several ways, the most specific origin names it.
_RANK = ("trail:", "lake", "managed", "data-source", "linked:", "prefix")
# Every region at once: each has its own quotas, and a wave of 34 regions costs one round trip.
DISCOVERY_WORKERS = 64


@dataclass(frozen=True)
class Source:
    """One log group holding CloudTrail events, where it lives and how it was found."""

    group: str  # the name in the caller's own account, else the ARN (queried by logGroupIdentifiers)
    region: str  # where it lives and is queried
    origin: str  # "trail:NAME", "managed", "lake", "data-source", "linked:ACCOUNT", "prefix"
    owner: str  # the account id that owns the group
    trail: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def kind(self) -> str:
        return self.origin.split(":", 1)[0]


@dataclass
class RegionFindings:
    """What one account+region holds, or why it could not be asked."""

    account: str
    region: str
    sources: list[Source] = field(default_factory=list)
    failure: CallFailed | None = None
    reason: str = ""  # the failure in words, e.g. "opt-in region not enabled for this account"
    trails_seen: int = 0
    fallback: str = ""  # why ListLogGroups was not used here (DescribeLogGroups by prefix instead)


def _rank(origin: str) -> int:
    return next((i for i, prefix in enumerate(_RANK) if origin.startswith(prefix)), len(_RANK))


def classify_name(name: str) -> str:
    """managed / lake / prefix, from a name that matched CLOUDTRAIL_NAME_PATTERN."""
    stripped = name.lstrip("/")
    if stripped.startswith("aws/cloudtrail/"):
        rest = stripped[len("aws/cloudtrail/"):]
        return "lake" if _EVENT_DATA_STORE_ID.match(rest) else "managed"
    return "prefix"


@dataclass(frozen=True)
class LogGroupArn:
    region: str
    account: str
    name: str

    @classmethod
    def parse(cls, arn: str) -> LogGroupArn | None:
        """`arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]` → parts (None when not a log-group ARN)."""
        parts = arn.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn" or parts[2] != "logs" or not parts[5].startswith("log-group:"):
            return None
        name = parts[5][len("log-group:") :]
        name = name[:-2] if name.endswith(":*") else name
        return cls(parts[3], parts[4], name)


def paged(caller: Caller, action: str, params: dict[str, Any], key: str, attempts: int | None = None) -> list[dict[str, Any]]:
    """Every item of a nextToken-paged Describe*/List* call, each page through the shared bucket."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        reply = caller.call(action, {**params, **({"nextToken": token} if token else {})}, attempts=attempts)
        items.extend(reply.get(key) or [])
        token = reply.get("nextToken")
        if not token:
            return items


class DiscoveryCache:
    """Findings per (account, region) and region lists per account, for one run (thread-safe)."""

    def __init__(self) -> None:
        self.findings: dict[tuple[str, str], RegionFindings] = {}
        self.regions: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> RegionFindings | None:
        with self._lock:
            return self.findings.get(key)

    def put(self, found: RegionFindings) -> None:
        with self._lock:
            self.findings[(found.account, found.region)] = found


def find_all(cache: DiscoveryCache, work: Sequence[tuple[Account, str]], buckets: Buckets, runtime: Runtime) -> list[RegionFindings]:
    """Findings for every (account, region), asked in parallel (each region has its own quotas)."""
    todo = [(a, r) for a, r in work if cache.get((a.key, r)) is None]
    if len(todo) == 1:
        cache.put(find_region(*todo[0], buckets, runtime))
    elif todo:
        with ThreadPoolExecutor(max_workers=min(DISCOVERY_WORKERS, len(todo)), thread_name_prefix="trailq-discover") as pool:
            for found in pool.map(lambda pair: find_region(pair[0], pair[1], buckets, runtime), todo):
                cache.put(found)
    findings = []
    for account, region in work:
        answer = cache.get((account.key, region))
        assert answer is not None, "every (account, region) was found above"
        findings.append(answer)
    return findings


def find_region(account: Account, region: str, buckets: Buckets, runtime: Runtime) -> RegionFindings:
    """Every CloudTrail log group one account+region leads to. Raises budget.Aborted on cancel/deadline."""
    found = RegionFindings(account.key, region)
    own = account.account_id or ""
    try:
        logs = Caller(account.client("logs", region), account.key, region, buckets, runtime)
        # DescribeTrails sits between the two ListLogGroups calls: its round trip covers most of
        # the spacing the ListLogGroups bucket keeps between them.
        by_source = _list_log_groups(logs, {"dataSources": [{"name": CLOUDTRAIL_DATA_SOURCE}]}, found)
        trails_caller = Caller(account.client("cloudtrail", region), account.key, region, buckets, runtime)
        trails = trails_caller.call("DescribeTrails", {"includeShadowTrails": True}).get("trailList") or []
        found.trails_seen = len(trails)
        for trail in trails:
            arn = LogGroupArn.parse(trail.get("CloudWatchLogsLogGroupArn") or "")
            if arn is None:
                continue
            group = arn.name if arn.account in (own, "") else trail["CloudWatchLogsLogGroupArn"].removesuffix(":*")
            found.sources.append(Source(group, arn.region, f"trail:{trail.get('Name', '?')}", arn.account or own, trail))
        if found.fallback:
            by_name = [g for prefix in CLOUDTRAIL_NAME_PREFIXES
                       for g in paged(logs, "DescribeLogGroups", {"logGroupNamePrefix": prefix}, "logGroups")]
        else:
            by_name = _list_log_groups(logs, {"logGroupNamePattern": CLOUDTRAIL_NAME_PATTERN}, found)
    except CallFailed as failed:
        found.failure = failed
        found.reason = _why_not(account, region, failed, buckets, runtime)
        return found
    for groups, how in ((by_name, None), (by_source, "data-source")):
        for item in groups:
            found.sources.append(_listed(item, region, own, how))
    found.sources = _best_origin(found.sources)
    return found


def fallback_warnings(findings: Sequence[RegionFindings]) -> list[Notice]:
    """One warning per account and fallback reason, naming the regions (17 regions make one line); what a
    fallback leaves out may hold events, so --quiet keeps it."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for found in findings:
        if found.fallback and found.failure is None:
            grouped.setdefault((found.account, found.fallback), []).append(found.region)
    return [Notice(f"account {account} {', '.join(regions)}: {why}", Level.LOST) for (account, why), regions in grouped.items()]


def _list_log_groups(logs: Caller, params: dict[str, Any], found: RegionFindings) -> list[dict[str, Any]]:
    """ListLogGroups with linked accounts; where the endpoint does not offer it (an emulator's 500
    page, an unknown operation) — tried twice — or refuses its parameters (InvalidParameterException,
    an unknown code), the region falls back to DescribeLogGroups by name prefix, and `found.fallback`
    says what that leaves out. Access failures are not hidden, and a real outage (an AWS error code
    such as ServiceUnavailableException, throttling, the network) gets every retry and is then a gap:
    falling back would search less while the service that knows more is only briefly away."""
    if found.fallback:
        return []
    request = {**params, "includeLinkedAccounts": True}
    try:
        return paged(logs, "ListLogGroups", request, "logGroups", attempts=LIST_LOG_GROUPS_ATTEMPTS)
    except CallFailed as failed:
        if failed.kind is Kind.ACCESS:
            raise
        if failed.kind in (Kind.TRANSIENT, Kind.THROTTLED) and not operation_not_offered(failed.cause):
            return paged(logs, "ListLogGroups", request, "logGroups")  # CallFailed after every retry: a gap
        found.fallback = (f"ListLogGroups failed ({failed.detail}); log groups found by DescribeTrails and "
                          "DescribeLogGroups name prefixes only: groups known only by their CloudTrail data "
                          "source or through linked accounts are not seen here")
        return []


def _listed(item: dict[str, Any], region: str, own: str, how: str | None) -> Source:
    name = str(item.get("logGroupName") or "")
    arn = str(item.get("logGroupArn") or item.get("arn") or "").removesuffix(":*")
    parsed = LogGroupArn.parse(arn) if arn else None
    owner = parsed.account if parsed else own
    if owner and own and owner != own:  # a linked source account's group, seen from a monitoring account
        return Source(arn, region, f"linked:{owner}", owner)
    return Source(name or (parsed.name if parsed else arn), region, how or classify_name(name), owner or own)


def _best_origin(sources: list[Source]) -> list[Source]:
    """One Source per (region, group): the most specific way it was found."""
    best: dict[tuple[str, str], Source] = {}
    for source in sources:
        key = (source.region, source.group)
        if key not in best or _rank(source.origin) < _rank(best[key].origin):
            best[key] = source
    return list(best.values())


def _why_not(account: Account, region: str, failed: CallFailed, buckets: Buckets, runtime: Runtime) -> str:
    """The failure in words: denied, opt-in region not enabled (EC2's opt-in status, asked only
    then), unreachable, throttled; the call and AWS's message in brackets."""
    if failed.kind is Kind.TRANSIENT:
        return f"unreachable or failing ({failed})"
    if failed.kind is Kind.THROTTLED:
        return f"throttled until the deadline ({failed})"
    if failed.kind is not Kind.ACCESS:
        return str(failed)
    try:
        ec2 = Caller(account.client("ec2", account.home_region), account.key, account.home_region, buckets, runtime)
        # Only words for a gap already found: one try, no retries.
        listed = ec2.call("DescribeRegions", {"AllRegions": True, "RegionNames": [region]}, attempts=1).get("Regions") or []
    except CallFailed:
        return f"denied ({failed})"
    status = str(listed[0].get("OptInStatus", "")) if listed else ""
    if status == "not-opted-in":
        return f"opt-in region not enabled for this account ({failed})"
    return f"denied ({failed})"
