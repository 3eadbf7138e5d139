"""A project-owned fake of CloudWatch Logs Insights (plus the bits of STS, EC2 and CloudTrail a run needs).

It models what moto does not: Scheduled/Running with partial results, the row cap, nextToken
paging, per-action TPS throttling, the concurrent-query quota, per-region failures and statuses,
MalformedQueryException with a location, and StopQuery. Use it in-process (`FakeLogs.client`) or
over loopback HTTP (`FakeServer`, awsJson1.1 for logs/cloudtrail, the query protocol for STS/EC2),
where an access key maps to an account and the SigV4 credential scope gives the region.

Query "execution" is deliberately simple: a query containing `stats` counts events per second,
any other query returns the matching events (newest first) as @timestamp/@message/@ptr rows.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from botocore.exceptions import ClientError

DEFAULT_ACCOUNT = "111111111111"
LIVE = ("Scheduled", "Running")


class FakeError(Exception):
    def __init__(self, code: str, message: str, status: int = 400, extra: dict | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status, self.extra = code, message, status, extra or {}

    def client_error(self, operation: str) -> ClientError:
        response = {"Error": {"Code": self.code, "Message": self.message},
                    "ResponseMetadata": {"HTTPStatusCode": self.status}, **self.extra}
        return ClientError(response, operation)


@dataclass
class _Group:
    ts_ms: list[int] = field(default_factory=list)  # sorted
    ptrs: list[str] = field(default_factory=list)


@dataclass
class _Query:
    query_id: str
    account: str
    region: str
    text: str
    started: float
    rows: Callable[[int, int], list[list[dict[str, str]]]]  # (offset, count) -> rows
    row_count: int
    matched: int
    scanned: int
    final_status: str = "Complete"
    stopped: bool = False


_MS_BOUND = re.compile(r"filter toMillis\(@timestamp\) >= (\d+) and toMillis\(@timestamp\) <= (\d+)")


def _ts_text(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class FakeLogs:
    """The service state shared by every (account, region) client and by the HTTP server."""

    def __init__(
        self,
        *,
        service_seconds: float = 0.0,
        scheduled_seconds: float = 0.0,
        page_size: int = 10_000,
        tps: dict[str, int] | None = None,
        max_concurrent: int = 100,
        regions: tuple[str, ...] = ("us-east-1", "us-west-2"),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service_seconds = service_seconds
        self.scheduled_seconds = scheduled_seconds
        self.page_size = page_size
        self.tps = dict(tps or {})
        self.max_concurrent = max_concurrent
        self.regions = regions
        self.clock = clock
        self.groups: dict[tuple[str, str], dict[str, _Group]] = defaultdict(dict)
        self.queries: dict[str, _Query] = {}
        self.calls: list[tuple[float, str, str, str]] = []  # (time, account, region, action)
        self.throttled: list[tuple[float, str, str, str]] = []
        self.limit_exceeded = 0
        self.start_failures: dict[tuple[str | None, str], FakeError] = {}  # StartQuery raises
        self.results_failures: dict[tuple[str | None, str], FakeError] = {}  # GetQueryResults raises
        self.final_status: dict[tuple[str | None, str], str] = {}  # query ends Failed/Timeout/...
        self.keys: dict[str, str] = {}  # access key id -> account
        self.trails: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.definitions: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
        self.regions_failures: dict[str, FakeError] = {}  # account -> ec2:DescribeRegions raises
        # Every logs/cloudtrail call in (account or None for all, region) raises: a region-deny SCP.
        self.region_failures: dict[tuple[str | None, str], FakeError] = {}
        self.disabled_regions: set[str] = set()  # opt-in regions not enabled: every call is refused there
        self.data_sources: dict[tuple[str, str, str], str] = {}  # (account, region, group) -> data source name
        self.linked: dict[str, list[str]] = {}  # monitoring account -> its linked source accounts
        self._recent: dict[tuple[str, str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.RLock()
        self._started = threading.Condition(self._lock)  # notified on each StartQuery: tests wait on it, not sleep

    # -- setup ------------------------------------------------------------------------------------

    def add_events(self, account: str, region: str, group: str, timestamps_ms: list[int]) -> None:
        with self._lock:
            g = self.groups[(account, region)].setdefault(group, _Group())
            base = len(g.ptrs)
            new = [(ts, f"{account}:{region}:{group}:{base + i}") for i, ts in enumerate(timestamps_ms)]
            merged = sorted([*zip(g.ts_ms, g.ptrs), *new])
            g.ts_ms = [ts for ts, _ in merged]
            g.ptrs = [ptr for _, ptr in merged]

    def add_group(self, account: str, region: str, group: str) -> None:
        self.groups[(account, region)].setdefault(group, _Group())

    def add_trail(self, account: str, home: str, name: str, group: str, *, multi_region: bool = True,
                  group_account: str | None = None, organization: bool = False) -> None:
        """A trail streaming to `group` in its home region; a multi-region trail shows up (as a
        shadow trail) in DescribeTrails of every region, its group still in the home region only."""
        owner = group_account or account
        trail = {"Name": name, "HomeRegion": home, "IsMultiRegionTrail": multi_region, "IsOrganizationTrail": organization,
                 "TrailARN": f"arn:aws:cloudtrail:{home}:{owner}:trail/{name}",
                 "CloudWatchLogsLogGroupArn": f"arn:aws:logs:{home}:{owner}:log-group:{group}:*"}
        for region in (self.regions if multi_region else (home,)):
            self.trails[(account, region)].append(dict(trail))
        self.add_group(owner, home, group)

    def client(self, account: str = DEFAULT_ACCOUNT, region: str = "us-east-1") -> FakeClient:
        return FakeClient(self, account, region)

    # -- bookkeeping --------------------------------------------------------------------------------

    def _status(self, q: _Query) -> str:
        if q.stopped:
            return "Cancelled"
        age = self.clock() - q.started
        if age < self.scheduled_seconds:
            return "Scheduled"
        if age < self.scheduled_seconds + self.service_seconds:
            return "Running"
        return q.final_status

    def _admit(self, account: str, region: str, action: str) -> None:
        now = self.clock()
        with self._lock:
            self.calls.append((now, account, region, action))
            if region in self.disabled_regions:
                raise FakeError("UnrecognizedClientException", "The security token included in the request is invalid.")
            failure = self._fail_for(self.region_failures, account, region)
            if failure is not None:
                raise failure
            limit = self.tps.get(action)
            if limit is None:
                return
            recent = self._recent[(account, region, action)]
            while recent and recent[0] <= now - 1.0:
                recent.popleft()
            if len(recent) >= limit:
                self.throttled.append((now, account, region, action))
                raise FakeError("ThrottlingException", "Rate exceeded")
            recent.append(now)

    def _fail_for(self, table: dict, account: str, region: str) -> Any:
        return table.get((account, region), table.get((None, region)))

    def wait_for_live(self, count: int, timeout: float) -> bool:
        """Block until `count` queries are live (woken by each StartQuery), or `timeout` real seconds pass."""
        with self._started:
            return self._started.wait_for(lambda: len(self.live_queries()) >= count, timeout)

    def live_queries(self, account: str | None = None, region: str | None = None) -> list[str]:
        with self._lock:
            return [q.query_id for q in self.queries.values()
                    if self._status(q) in LIVE and account in (None, q.account) and region in (None, q.region)]

    # -- Logs API ---------------------------------------------------------------------------------

    def start_query(self, account: str, region: str, **p: Any) -> dict:
        self._admit(account, region, "StartQuery")
        failure = self._fail_for(self.start_failures, account, region)
        if failure is not None:
            raise failure
        text = p["queryString"]
        bad = text.find("!!")
        if bad >= 0:
            raise FakeError("MalformedQueryException", "mismatched input '!!'", extra={
                "queryCompileError": {"location": {"startCharOffset": bad, "endCharOffset": bad + 1},
                                      "message": "mismatched input '!!' expecting {K_FILTER, K_STATS}"}})
        given = [(account, n) for n in p.get("logGroupNames") or []]
        given += [self._identifier(account, i) for i in p.get("logGroupIdentifiers") or []]
        if given and text.lstrip().upper().startswith("SOURCE"):
            raise FakeError("InvalidParameterException", "a query with SOURCE must not also name log groups")
        if not given and text.lstrip().upper().startswith("SOURCE"):
            given = [(account, n) for n in self.groups.get((account, region), {})]
        if not given:
            raise FakeError("InvalidParameterException", "no log groups given")
        for owner, name in given:
            if name not in self.groups.get((owner, region), {}):
                raise FakeError("ResourceNotFoundException", "The specified log group does not exist.")
        found = [self.groups[(owner, region)][name] for owner, name in given]
        with self._lock:
            if len(self.live_queries(account, region)) >= self.max_concurrent:
                self.limit_exceeded += 1
                raise FakeError("LimitExceededException", f"Account maximum query concurrency limit of [{self.max_concurrent}] reached.")
            q = self._plan(account, region, text, found, p)
            self.queries[q.query_id] = q
            self._started.notify_all()
        return {"queryId": q.query_id}

    def _identifier(self, account: str, identifier: str) -> tuple[str, str]:
        """A name, or an ARN: another account's group only when it is linked to this monitoring account."""
        if not identifier.startswith("arn:"):
            return account, identifier
        if identifier.endswith(":*"):
            raise FakeError("InvalidParameterException", "log group identifiers must not end in *")
        owner, name = identifier.split(":")[4], identifier.split(":log-group:")[-1]
        if owner != account and owner not in self.linked.get(account, []):
            raise FakeError("AccessDeniedException", f"account {account} cannot query {identifier}")
        return owner, name

    def list_log_groups(self, account: str, region: str, **p: Any) -> dict:
        self._admit(account, region, "ListLogGroups")
        owners = [account]
        if p.get("includeLinkedAccounts"):
            owners += [a for a in self.linked.get(account, []) if a in (p.get("accountIdentifiers") or self.linked[account])]
        pattern = p.get("logGroupNamePattern")
        wanted_sources = {d["name"] for d in p.get("dataSources") or []}
        out = []
        for owner in owners:
            for name in sorted(self.groups.get((owner, region), {})):
                if pattern and not any(re.search(part, name) for part in pattern.split("|")):
                    continue
                if wanted_sources and self.data_sources.get((owner, region, name)) not in wanted_sources:
                    continue
                out.append({"logGroupName": name, "logGroupArn": f"arn:aws:logs:{region}:{owner}:log-group:{name}"})
        return {"logGroups": out}

    def _plan(self, account: str, region: str, text: str, groups: list[_Group], p: dict) -> _Query:
        lo_ms, hi_ms = int(p["startTime"]) * 1000, int(p["endTime"]) * 1000 + 999  # both ends inclusive
        bound = _MS_BOUND.search(text)  # the millisecond filter trailq adds for --state windows
        if bound:
            lo_ms, hi_ms = max(lo_ms, int(bound.group(1))), min(hi_ms, int(bound.group(2)))
        limit = int(p.get("limit") or 10_000)
        picked: list[tuple[int, str]] = []
        scanned = 0
        for g in groups:
            scanned += len(g.ts_ms)
            a, b = bisect.bisect_left(g.ts_ms, lo_ms), bisect.bisect_right(g.ts_ms, hi_ms)
            picked.extend(zip(g.ts_ms[a:b], g.ptrs[a:b]))
        matched = len(picked)
        if "stats" in text:
            per_second: dict[int, int] = defaultdict(int)
            for ts, _ in picked:
                per_second[ts // 1000] += 1
            bins = sorted(per_second.items(), reverse=True)[:limit]
            table = [[{"field": "bin(1s)", "value": _ts_text(s * 1000)}, {"field": "count()", "value": str(n)}] for s, n in bins]
            rows = lambda off, n: table[off : off + n]  # noqa: E731
            count = len(table)
        else:
            picked.sort(reverse=True)
            picked = picked[:limit]
            rows = lambda off, n: [  # noqa: E731
                [
                    {"field": "@timestamp", "value": _ts_text(ts)},
                    {"field": "@message", "value": f"event {ptr}"},
                    {"field": "@ptr", "value": ptr},
                ]
                for ts, ptr in picked[off : off + n]
            ]
            count = len(picked)
        final = self._fail_for(self.final_status, account, region) or "Complete"
        return _Query(str(uuid.uuid4()), account, region, text, self.clock(), rows, count, matched, scanned, final)

    def get_query_results(self, account: str, region: str, **p: Any) -> dict:
        self._admit(account, region, "GetQueryResults")
        failure = self._fail_for(self.results_failures, account, region)
        if failure is not None:
            raise failure
        q = self.queries.get(p["queryId"])
        if q is None or (q.account, q.region) != (account, region):
            raise FakeError("ResourceNotFoundException", f"query {p['queryId']} not found")
        status = self._status(q)
        stats = {"recordsMatched": float(q.matched), "recordsScanned": float(q.scanned), "bytesScanned": float(q.scanned * 100)}
        if status in LIVE:
            partial = q.rows(0, min(q.row_count, 3)) if status == "Running" else []
            return {"status": status, "results": partial, "statistics": stats}
        if status != "Complete":
            return {"status": status, "results": [], "statistics": stats}
        offset = int(p["nextToken"].split(":")[1]) if p.get("nextToken") else 0
        size = min(self.page_size, int(p.get("maxItems") or self.page_size))
        reply = {"status": status, "results": q.rows(offset, size), "statistics": stats}
        if offset + size < q.row_count:
            reply["nextToken"] = f"{q.query_id}:{offset + size}"
        return reply

    def stop_query(self, account: str, region: str, **p: Any) -> dict:
        self._admit(account, region, "StopQuery")
        with self._lock:
            q = self.queries.get(p["queryId"])
            if q is None:
                raise FakeError("ResourceNotFoundException", "query not found")
            if self._status(q) not in LIVE:
                raise FakeError("InvalidParameterException", "Query is not running")
            q.stopped = True
        return {"success": True}

    def describe_log_groups(self, account: str, region: str, **p: Any) -> dict:
        self._admit(account, region, "DescribeLogGroups")
        prefix = p.get("logGroupNamePrefix", "")
        names = sorted(n for n in self.groups.get((account, region), {}) if n.startswith(prefix))
        return {"logGroups": [{"logGroupName": n, "arn": f"arn:aws:logs:{region}:{account}:log-group:{n}:*"} for n in names]}

    def put_query_definition(self, account: str, region: str, **p: Any) -> dict:
        self._admit(account, region, "PutQueryDefinition")
        defs = self.definitions[(account, region)]
        qid = p.get("queryDefinitionId") or str(uuid.uuid4())
        if p.get("queryDefinitionId") and qid not in defs:
            raise FakeError("ResourceNotFoundException", "no such query definition")
        defs[qid] = {"queryDefinitionId": qid, "name": p["name"], "queryString": p["queryString"],
                     "logGroupNames": list(p.get("logGroupNames") or []), "parameters": list(p.get("parameters") or []),
                     "queryLanguage": p.get("queryLanguage", "CWLI"), "lastModified": int(time.time() * 1000)}
        return {"queryDefinitionId": qid}

    def describe_query_definitions(self, account: str, region: str, **p: Any) -> dict:
        self._admit(account, region, "DescribeQueryDefinitions")
        prefix = p.get("queryDefinitionNamePrefix", "")
        found = [dict(d) for d in self.definitions[(account, region)].values() if d["name"].startswith(prefix)]
        return {"queryDefinitions": sorted(found, key=lambda d: d["name"])}

    def delete_query_definition(self, account: str, region: str, **p: Any) -> dict:
        self._admit(account, region, "DeleteQueryDefinition")
        return {"success": self.definitions[(account, region)].pop(p["queryDefinitionId"], None) is not None}

    def describe_trails(self, account: str, region: str, **p: Any) -> dict:
        self._admit(account, region, "DescribeTrails")
        return {"trailList": [dict(t) for t in self.trails[(account, region)]]}


class FakeClient:
    """A boto3-client lookalike bound to one account and region; errors are real ClientErrors."""

    def __init__(self, fake: FakeLogs, account: str, region: str) -> None:
        self._fake, self.account, self.region = fake, account, region

    def __getattr__(self, name: str) -> Callable[..., dict]:
        method = getattr(self._fake, name)

        def call(**params: Any) -> dict:
            try:
                return method(self.account, self.region, **params)
            except FakeError as err:
                raise err.client_error("".join(w.title() for w in name.split("_"))) from None

        return call


# -- loopback HTTP ----------------------------------------------------------------------------------

_SCOPE = re.compile(r"Credential=([^/]+)/\d+/([^/]+)/([^/]+)/")


class FakeServer:
    """Serve a FakeLogs on 127.0.0.1:<free port>; `endpoint` goes in AWS_ENDPOINT_URL."""

    def __init__(self, fake: FakeLogs) -> None:
        self.fake = fake
        handler = type("Handler", (_Handler,), {"fake": fake})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fakelogs", daemon=True)

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLogs
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        scope = _SCOPE.search(self.headers.get("Authorization", ""))
        key, region, service = scope.groups() if scope else ("", "us-east-1", "logs")
        account = self.fake.keys.get(key, DEFAULT_ACCOUNT)
        if service in ("sts", "ec2"):
            try:
                self._query_protocol(service, account, key, parse_qs(body.decode()))
            except FakeError as err:
                self._send_xml_error(service, err)
            return
        try:
            target = self.headers.get("X-Amz-Target", "")
            action = target.rsplit(".", 1)[-1]
            method = getattr(self.fake, "".join("_" + c.lower() if c.isupper() else c for c in action).lstrip("_"))
            reply = method(account, region, **json.loads(body or b"{}"))
            self._send(200, json.dumps(reply).encode(), "application/x-amz-json-1.1")
        except FakeError as err:
            payload = {"__type": err.code, "message": err.message, **err.extra}
            self._send(err.status, json.dumps(payload).encode(), "application/x-amz-json-1.1")

    def _query_protocol(self, service: str, account: str, key: str, form: dict[str, list[str]]) -> None:
        action = form.get("Action", [""])[0]
        if action == "GetCallerIdentity":
            inner = f"<Account>{account}</Account><Arn>arn:aws:iam::{account}:user/fake</Arn><UserId>{key}</UserId>"
        elif action == "AssumeRole":
            role = form["RoleArn"][0]
            role_account = role.split(":")[4]
            new_key = f"ASIAFAKE{role_account}"
            self.fake.keys[new_key] = role_account
            inner = (f"<Credentials><AccessKeyId>{new_key}</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
                     f"<SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                     f"<AssumedRoleUser><Arn>{role}/trailq</Arn><AssumedRoleId>AROA:trailq</AssumedRoleId></AssumedRoleUser>")
        elif action == "DescribeRegions":
            self.fake._admit(account, "-", "DescribeRegions")  # one quota per account here
            failure = self.fake.regions_failures.get(account)
            if failure is not None:
                raise failure
            every = form.get("AllRegions", ["false"])[0].lower() == "true"
            named = [v[0] for k, v in form.items() if k.startswith("RegionName.")]
            listed = [r for r in (*self.fake.regions, *sorted(self.fake.disabled_regions))
                      if (every or r not in self.fake.disabled_regions) and (not named or r in named)]
            items = "".join(f"<item><regionName>{r}</regionName><regionEndpoint>x</regionEndpoint><optInStatus>"
                            f"{'not-opted-in' if r in self.fake.disabled_regions else 'opt-in-not-required'}</optInStatus></item>"
                            for r in listed)
            body = f'<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><regionInfo>{items}</regionInfo></DescribeRegionsResponse>'
            self._send(200, body.encode(), "text/xml")
            return
        else:
            raise FakeError("InvalidAction", action)
        ns = "https://sts.amazonaws.com/doc/2011-06-15/"
        body = (
            f'<{action}Response xmlns="{ns}"><{action}Result>{inner}</{action}Result>'
            f"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
        )
        self._send(200, body.encode(), "text/xml")

    def _send_xml_error(self, service: str, err: FakeError) -> None:
        """EC2's and STS's own XML error shapes (botocore parses them differently)."""
        detail = f"<Code>{err.code}</Code><Message>{err.message}</Message>"
        if service == "ec2":
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                f"<Response><Errors><Error>{detail}</Error></Errors><RequestID>r</RequestID></Response>"
            )
        else:
            body = f"<ErrorResponse><Error><Type>Sender</Type>{detail}</Error><RequestId>r</RequestId></ErrorResponse>"
        self._send(err.status, body.encode(), "text/xml")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
