"""`trailq sync`: the catalog as CloudWatch saved queries (query definitions) in one folder.

The folder (default `trailq/`) is ours: a definition is trailq-managed exactly when its name lies
inside it, so `--prune` never touches a user's other saved queries. Definitions are matched by
name; one is rewritten only when its text, log groups or parameters differ, so a second sync
makes no change.

A saved query names its log groups by name (PutQueryDefinition takes `logGroupNames` only), in
its own account and region. So a catalog's log-group ARN is saved as its name where the ARN's
account and region are the target's, and left out with a warning elsewhere; a `prefix*` is
expanded with DescribeLogGroups in each region when syncing (a snapshot: sync again after adding
log groups), with a warning when nothing matches.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trailq.aws.budget import AbortReason
from trailq.aws.discovery import LogGroupArn, paged
from trailq.aws.insights import Caller
from trailq.errors import (
    EXIT_ACCESS,
    EXIT_OK,
    EXIT_QUERY_FAILED,
    UsageError,
)
from trailq.result import Notice


@dataclass(frozen=True)
class Parameter:
    """A saved-query parameter: `{{name}}` in the text, with an optional default and description."""

    name: str
    default: str | None = None
    description: str | None = None

    def to_api(self) -> dict[str, str]:
        out = {"name": self.name}
        if self.default is not None:
            out["defaultValue"] = self.default
        if self.description:
            out["description"] = self.description[:512]
        return out


@dataclass(frozen=True)
class DefinitionSpec:
    """One catalog query as it should be saved (text keeps its `{{params}}`)."""

    name: str
    query_text: str
    log_groups: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    language: str = "CWLI"  # PutQueryDefinition queryLanguage: CWLI, SQL or PPL


@dataclass(frozen=True)
class Change:
    action: str  # "create", "update" or "delete"
    name: str  # full name, folder included
    account: str
    region: str
    definition_id: str | None = None  # None for a create under --dry-run
    applied: bool = True  # False under --dry-run

    def describe(self) -> str:
        verb = self.action if self.applied else f"would {self.action}"
        return f"{self.account} {self.region}: {verb} {self.name}"


def _folder(folder: str) -> str:
    folder = folder.strip()
    if not folder or folder == "/":
        raise UsageError("--folder must name a folder, e.g. trailq/", hint="an empty folder would let --prune delete every saved query")
    return folder if folder.endswith("/") else folder + "/"


def _wanted(spec: DefinitionSpec, full_name: str, log_groups: list[str]) -> dict[str, Any]:
    return {
        "queryLanguage": spec.language,
        "name": full_name,
        "queryString": spec.query_text,
        "logGroupNames": log_groups,
        "parameters": [p.to_api() for p in spec.parameters],
    }


def saved_log_groups(caller: Caller, requested: Sequence[str], prefixes: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """The catalog's log groups as names a saved query in caller's account+region can hold; plus why any were left out.

    `prefixes` caches DescribeLogGroups answers for this account+region across the catalog's queries.
    """
    names: list[str] = []
    left_out: list[str] = []
    for value in requested:
        if value.startswith("arn:"):
            arn = LogGroupArn.parse(value)
            if arn is None:
                left_out.append(f"{value} is not a log-group ARN; left out")
            elif arn.region != caller.region or arn.account not in ("", caller.account):
                left_out.append(f"log group {value} is in another region or account; a saved query names log groups "
                                "of its own account and region, so it is left out here")
            else:
                names.append(arn.name)
        elif value.endswith("*"):
            if value not in prefixes:
                found = paged(caller, "DescribeLogGroups", {"logGroupNamePrefix": value[:-1]}, "logGroups")
                prefixes[value] = [g["logGroupName"] for g in found]
            if not prefixes[value]:
                left_out.append(f"no log group matches {value} here; nothing saved for it")
            names.extend(prefixes[value])
        else:
            names.append(value)
    return list(dict.fromkeys(names)), left_out


def _same(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    def params(items: Any) -> list[tuple[str, str, str]]:
        return sorted((p.get("name", ""), p.get("defaultValue", ""), p.get("description", "")) for p in items or [])

    return (
        existing.get("queryString") == wanted["queryString"]
        and existing.get("queryLanguage", "CWLI") == wanted["queryLanguage"]
        and sorted(existing.get("logGroupNames") or []) == sorted(wanted["logGroupNames"])
        and params(existing.get("parameters")) == params(wanted["parameters"])
    )


def sync_definitions(
    caller: Caller,
    specs: Sequence[DefinitionSpec],
    *,
    folder: str = "trailq/",
    prune: bool = False,
    dry_run: bool = False,
    changes: list[Change],
    warnings: list[Notice],
) -> None:
    """Make one account+region's saved queries in `folder` match `specs`.

    Each change is appended to `changes` as soon as it is made, so a failing call (CallFailed) or
    an abort (budget.Aborted) part-way still leaves every change made before it reported.
    """
    folder = _folder(folder)
    account, region = caller.account, caller.region
    existing = {
        d["name"]: d
        for d in paged(caller, "DescribeQueryDefinitions", {"queryDefinitionNamePrefix": folder, "maxResults": 1000}, "queryDefinitions")
        if d.get("name", "").startswith(folder)
    }
    wanted_names: set[str] = set()
    prefixes: dict[str, list[str]] = {}
    for spec in specs:
        full_name = folder + spec.name
        wanted_names.add(full_name)
        log_groups, left_out = saved_log_groups(caller, spec.log_groups, prefixes)
        warnings.extend(Notice(f"account {account} {region}: {full_name}: {why}") for why in left_out)
        wanted = _wanted(spec, full_name, log_groups)
        current = existing.get(full_name)
        if current is not None and _same(current, wanted):
            continue
        params = dict(wanted)
        action = "create" if current is None else "update"
        definition_id = None if current is None else current["queryDefinitionId"]
        if definition_id:
            params["queryDefinitionId"] = definition_id
        # One token for every retry of this change: botocore would make a new one per call, and a
        # retried create whose first answer was lost would then save the query twice.
        params["clientToken"] = str(uuid.uuid4())
        if not dry_run:
            definition_id = caller.call("PutQueryDefinition", params)["queryDefinitionId"]
        changes.append(Change(action, full_name, account, region, definition_id, applied=not dry_run))
    if prune:
        for name, current in sorted(existing.items()):
            if name in wanted_names:
                continue
            if not dry_run:
                caller.call("DeleteQueryDefinition", {"queryDefinitionId": current["queryDefinitionId"]})
            changes.append(Change("delete", name, account, region, current["queryDefinitionId"], applied=not dry_run))


@dataclass(frozen=True)
class SyncFailure:
    """One account+region whose saved queries could not be synced (region None: its regions could not be listed)."""

    account: str
    region: str | None
    exit_code: int  # 4 access, 5 anything else (budget.exit_code_for)
    detail: str

    def describe(self) -> str:
        where = f"account {self.account} {self.region}" if self.region else f"account {self.account}"
        return f"{where}: {self.detail}"


@dataclass
class SyncOutcome:
    """What a sync did: every change made (or planned under --dry-run), and where it could not sync."""

    changes: list[Change]
    failures: list[SyncFailure]
    warnings: list[Notice]  # log groups left out of a saved query, the same account reached twice
    targets: int  # account+regions attempted (failures included)
    aborted: AbortReason | None = None

    @property
    def exit_code(self) -> int:
        """130 interrupted · 5 deadline · 4 every target failed on access · 5 any failure · 0."""
        if self.aborted is not None:
            return self.aborted.exit_code
        if (self.failures and any(f.exit_code != EXIT_ACCESS for f in self.failures)):
            return EXIT_QUERY_FAILED
        if self.failures:
            return EXIT_ACCESS if len(self.failures) >= self.targets else EXIT_QUERY_FAILED
        return EXIT_OK
