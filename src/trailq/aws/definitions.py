"""`trailq sync`: the catalog as CloudWatch saved queries (query definitions) in one folder.

The folder (default `trailq/`) is ours: a definition is trailq-managed exactly when its name lies
inside it, so `--prune` never touches a user's other saved queries. Definitions are matched by
name; one is rewritten only when its text, log groups or parameters differ, so a second sync
makes no change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from trailq.aws.insights import Caller
from trailq.aws.targets import paged
from trailq.errors import UsageError


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


def _wanted(spec: DefinitionSpec, full_name: str) -> dict[str, Any]:
    return {
        "name": full_name,
        "queryString": spec.query_text,
        "logGroupNames": [g for g in spec.log_groups if not g.startswith("arn:") and not g.endswith("*")],
        "parameters": [p.to_api() for p in spec.parameters],
    }


def _same(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    def params(items: Any) -> list[tuple[str, str, str]]:
        return sorted((p.get("name", ""), p.get("defaultValue", ""), p.get("description", "")) for p in items or [])

    return (
        existing.get("queryString") == wanted["queryString"]
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
) -> list[Change]:
    """Make one account+region's saved queries in `folder` match `specs`; return what changed."""
    folder = _folder(folder)
    account, region = caller.account, caller.region
    existing = {
        d["name"]: d
        for d in paged(caller, "DescribeQueryDefinitions", {"queryDefinitionNamePrefix": folder, "maxResults": 1000}, "queryDefinitions")
        if d.get("name", "").startswith(folder)
    }
    changes: list[Change] = []
    wanted_names: set[str] = set()
    for spec in specs:
        full_name = folder + spec.name
        wanted_names.add(full_name)
        wanted = _wanted(spec, full_name)
        current = existing.get(full_name)
        if current is not None and _same(current, wanted):
            continue
        params = {**wanted, "queryLanguage": "CWLI"}
        action = "create" if current is None else "update"
        definition_id = None if current is None else current["queryDefinitionId"]
        if definition_id:
            params["queryDefinitionId"] = definition_id
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
    return changes
