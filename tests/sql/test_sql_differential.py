"""Interpreter vs the compiled SQL on DuckDB, row by row: every built-in query, the engine's
compliance cases and seeded random queries, on the sample trail and the published fixtures; and
the Athena SQL, transpiled to DuckDB by sqlglot, over a table shaped like Athena's CloudTrail table."""

from __future__ import annotations

import json
import random
from pathlib import Path

import orjson
import pytest

pytest.importorskip("duckdb")

import sqlglot  # noqa: E402
from sql_differential import both, compare, rows_without_ptr  # noqa: E402

from trailq.catalog import load  # noqa: E402
from trailq.engine import run_local, sample_sources  # noqa: E402
from trailq.lang import parse  # noqa: E402
from trailq.sql import NotCompilable, compile_query  # noqa: E402
from trailq.sql.athena_table import JSON_COLUMNS, STRUCTS, TEXT_COLUMNS, AthenaTable  # noqa: E402
from trailq.sql.duckdb_run import connect  # noqa: E402
from trailq.sql.render import render_rows  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "cloudtrail"
CASES = ROOT / "tests" / "engine" / "cases"
CATALOG = load(())
# Compliance cases whose answers differ by design (docs/semantics.md, "SQL engines").
DOCUMENTED_EXCEPTIONS = {"min and max of text use the natural sort"}
# Parameters that give a query something to find on the sample (its defaults find nothing there:
# no allowed networks = no check; the sample's guessing bursts are below the default thresholds).
SAMPLE_PARAMS = {
    "signins-outside-allowed-networks": {"allowed_networks": "10.0.0.0/8, 192.0.2.0/24"},
    "password-guessing": {"threshold": "2", "root_threshold": "2"},
}
# The sample has no Identity Center UserAuthentication and no GetSigninToken events: these queries are
# compared there on an empty result, and must find rows on the published fixtures.
NOTHING_IN_THE_SAMPLE = {"identity-center-signins-without-mfa", "suspicious-federation"}


def _sample_text(name: str) -> str:
    return CATALOG.get(name).render(SAMPLE_PARAMS.get(name, {}))


def _fixture_sources() -> list[str]:
    if not FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is absent")
    return [str(p) for p in sorted(FIXTURES.glob("*.json"))]


@pytest.mark.parametrize("name", sorted(CATALOG.queries))
def test_every_builtin_query_on_the_sample(name: str) -> None:
    text = _sample_text(name)
    interpreted, compiled = both(text, sample_sources())
    assert bool(interpreted) != (name in NOTHING_IN_THE_SAMPLE), "the sample should give every built-in query something to find"
    assert compare(text, interpreted, compiled) is None


@pytest.mark.parametrize("name", sorted(CATALOG.queries))
def test_every_builtin_query_on_the_published_fixtures(name: str) -> None:
    text = CATALOG.get(name).render(SAMPLE_PARAMS.get(name, {}))
    interpreted, compiled = both(text, _fixture_sources())
    if name in NOTHING_IN_THE_SAMPLE:
        assert interpreted, "the fixtures have what the sample lacks for this query"
    assert compare(text, interpreted, compiled) is None


def _cases() -> list:
    out = []
    for path in sorted(CASES.glob("*.json")):
        data = json.loads(path.read_text())
        for case in data["cases"]:
            if "error" not in case:
                out.append(pytest.param(case, case.get("events", data.get("events", [])), id=f"{path.stem}:{case['name']}"))
    return out


@pytest.mark.parametrize(("case", "events"), _cases())
def test_compliance_cases(case: dict, events: list, tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"\n".join(orjson.dumps(e) for e in events) + b"\n")
    try:
        interpreted, compiled = both(case["query"], [str(source)])
    except NotCompilable as refused:
        # Refused before running, with a caret: allowed, and it must point into the query.
        assert refused.exit_code == 7 and refused.span.end > refused.span.start
        return
    why = compare(case["query"], interpreted, compiled)
    if case["name"] in DOCUMENTED_EXCEPTIONS:
        assert why is not None, "a documented exception that no longer differs: update docs/semantics.md"
    else:
        assert why is None


# -- seeded random queries over the fixtures' fields -------------------------------------------

FIELDS = ["eventName", "eventSource", "awsRegion", "userIdentity.type", "sourceIPAddress", "errorCode",
          "recipientAccountId", "responseElements.ConsoleLogin", "userIdentity.userName", "eventType"]


def _literal(rng: random.Random, values: dict[str, list[str]], name: str) -> str:
    pool = values.get(name) or ["none"]
    return json.dumps(rng.choice(pool))


def _condition(rng: random.Random, values: dict[str, list[str]]) -> str:
    name = rng.choice(FIELDS)
    form = rng.randrange(6)
    if form == 0:
        return f"{name} = {_literal(rng, values, name)}"
    if form == 1:
        return f"{name} != {_literal(rng, values, name)}"
    if form == 2:
        return f"ispresent({name})"
    if form == 3:
        needle = json.loads(_literal(rng, values, name))[:3]
        return f"{name} like {json.dumps(needle)}"
    if form == 4:
        return f"{name} in [{_literal(rng, values, name)}, {_literal(rng, values, name)}]"
    return f"not ispresent({name}) or {name} = {_literal(rng, values, name)}"


def random_query(rng: random.Random, values: dict[str, list[str]]) -> str:
    parts = [f"filter {_condition(rng, values)}" + (f" and {_condition(rng, values)}" if rng.random() < 0.4 else "")]
    if rng.random() < 0.6:
        by = rng.sample(FIELDS, rng.randrange(1, 3))
        aggregate = rng.choice(["count(*) as n", "count_distinct(sourceIPAddress) as n", "max(@timestamp) as n", "count(errorCode) as n"])
        parts.append(f"stats {aggregate}, min(@timestamp) as first by {', '.join(by)}")
        parts.append("sort n desc, first asc")
    else:
        shown = rng.sample(FIELDS, 3)
        parts.append(f"fields {', '.join(shown)}")
        if rng.random() < 0.5:
            parts.append("sort @timestamp desc")
    if rng.random() < 0.5:
        parts.append(f"limit {rng.randrange(1, 30)}")
    return " | ".join(parts)


def _field_values(sources: list[str]) -> dict[str, list[str]]:
    result = run_local(parse(f"fields {', '.join(FIELDS)} | limit 2000"), name="v", sources=sources, time_range=None, workers=1)
    values: dict[str, set[str]] = {name: set() for name in FIELDS}
    for row in result.rows:
        for name in FIELDS:
            if name in row:
                values[name].add(row[name])
    return {name: sorted(v) for name, v in values.items()}


@pytest.mark.parametrize("where", ["sample", "fixtures"])
def test_seeded_random_queries(where: str) -> None:
    sources = sample_sources() if where == "sample" else _fixture_sources()
    values = _field_values(sources)
    rng = random.Random(1307)
    # The sample is 20k records: fewer queries there keep the suite quick; the fixtures get more.
    for _ in range(12 if where == "sample" else 40):
        text = random_query(rng, values)
        interpreted, compiled = both(text, sources)
        assert compare(text, interpreted, compiled) is None, text


# -- the Athena SQL, executed ----------------------------------------------------------------

# Athena's lower-case columns → the records' keys (the JSON SerDe matches them case-insensitively).
CAMEL = {
    "eventversion": "eventVersion", "eventtime": "eventTime", "eventsource": "eventSource", "eventname": "eventName",
    "awsregion": "awsRegion", "sourceipaddress": "sourceIPAddress", "useragent": "userAgent", "errorcode": "errorCode",
    "errormessage": "errorMessage", "requestid": "requestID", "eventid": "eventID", "readonly": "readOnly",
    "eventtype": "eventType", "apiversion": "apiVersion", "recipientaccountid": "recipientAccountId",
    "sharedeventid": "sharedEventID", "vpcendpointid": "vpcEndpointId", "vpcendpointaccountid": "vpcEndpointAccountId",
    "eventcategory": "eventCategory", "sessioncredentialfromconsole": "sessionCredentialFromConsole",
    "edgedevicedetails": "edgeDeviceDetails", "requestparameters": "requestParameters",
    "responseelements": "responseElements", "additionaleventdata": "additionalEventData",
    "serviceeventdetails": "serviceEventDetails", "useridentity": "userIdentity", "tlsdetails": "tlsDetails",
    "addendum": "addendum", "type": "type", "principalid": "principalId", "arn": "arn", "accountid": "accountId",
    "invokedby": "invokedBy", "accesskeyid": "accessKeyId", "username": "userName", "onbehalfof": "onBehalfOf",
    "userid": "userId", "identitystorearn": "identityStoreArn", "sessioncontext": "sessionContext",
    "attributes": "attributes", "mfaauthenticated": "mfaAuthenticated", "creationdate": "creationDate",
    "sessionissuer": "sessionIssuer", "ec2roledelivery": "ec2RoleDelivery", "sourceidentity": "sourceIdentity",
    "assumedroot": "assumedRoot",
    "webidfederationdata": "webIdFederationData", "federatedprovider": "federatedProvider", "tlsversion": "tlsVersion",
    "ciphersuite": "cipherSuite", "clientprovidedhostheader": "clientProvidedHostHeader", "reason": "reason",
    "updatedfields": "updatedFields", "originalrequestid": "originalRequestId", "originaleventid": "originalEventId",
}


def _struct(path: str, members: dict) -> str:
    parts = []
    for name, inner in members.items():
        key = f"{path}.{CAMEL[name]}"
        value = f"json_extract_string(r, '{key}')" if inner is None else _struct(key, inner)
        parts.append(f"{name} := {value}")
    return f"struct_pack({', '.join(parts)})"


def _athena_shaped_table(connection, files: list[str]) -> None:
    columns = [f"json_extract_string(r, '$.{CAMEL[c]}') AS {c}" for c in TEXT_COLUMNS]
    columns += [f"CAST(json_extract(r, '$.{CAMEL[c]}') AS VARCHAR) AS {c}" for c in JSON_COLUMNS]
    columns += [f"{_struct('$.' + CAMEL[name], members)} AS {name}" for name, members in STRUCTS.items()]
    columns += [
        "json_extract_string(r, '$.recipientAccountId') AS account",
        "json_extract_string(r, '$.awsRegion') AS region",
        "strftime(CAST(json_extract_string(r, '$.eventTime') AS TIMESTAMPTZ), '%Y/%m/%d') AS \"timestamp\"",
    ]
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    connection.execute("CREATE SCHEMA IF NOT EXISTS athena")
    connection.execute(
        f"CREATE TABLE athena.cloudtrail AS SELECT {', '.join(columns)} FROM ("
        f"SELECT unnest(CASE WHEN json_type(json, '$.Records') = 'ARRAY' THEN CAST(json -> '$.Records' AS JSON[]) "
        f"ELSE [json] END) AS r FROM read_json_objects([{listed}], format = 'auto'))"
    )


@pytest.fixture(scope="module")
def athena_like():
    from trailq.engine.sources import collect_sources

    connection = connect()
    _athena_shaped_table(connection, collect_sources(sample_sources()).files)
    yield connection
    connection.close()


@pytest.mark.parametrize("name", sorted(CATALOG.queries))
def test_athena_sql_runs_and_agrees(name: str, athena_like) -> None:
    text = _sample_text(name)
    tree = parse(text)
    compiled = compile_query(tree, AthenaTable("athena.cloudtrail"))
    duck_sql = sqlglot.transpile(compiled.sql(), read="athena", write="duckdb")[0]
    rows = render_rows(athena_like.execute(duck_sql).fetchall(), compiled.columns)
    interpreted = run_local(tree, name=name, sources=sample_sources(), time_range=None, workers=1)
    assert [n for n, _ in compiled.columns] == interpreted.columns
    assert bool(rows) != (name in NOTHING_IN_THE_SAMPLE), "the sample has rows for every built-in query"
    assert compare(text, interpreted.rows, rows_without_ptr(rows)) is None


def _same_where_rebuilt(rebuilt: object, original: object) -> bool:
    """Every key of the rebuilt @message holds the record's value (readOnly as the record's boolean)."""
    if isinstance(rebuilt, dict):
        return isinstance(original, dict) and all(k in original and _same_where_rebuilt(v, original[k]) for k, v in rebuilt.items())
    return rebuilt == original


def test_athena_message_is_the_records_json_rebuilt_from_the_columns(athena_like) -> None:
    from trailq.sql.athena_message import TOP_LEVEL

    compiled = compile_query(parse("fields eventID, @message | limit 400"), AthenaTable("athena.cloudtrail"))
    duck_sql = sqlglot.transpile(compiled.sql(), read="athena", write="duckdb")[0]
    rows = render_rows(athena_like.execute(duck_sql).fetchall(), compiled.columns)
    records = {row["eventID"]: orjson.loads(row["@message"]) for row in run_local(
        parse("fields eventID, @message | limit 10000"), name="m", sources=sample_sources(), time_range=None, workers=1).rows}
    order = [key for _, key, _ in TOP_LEVEL]
    assert len(rows) == 400
    for row in rows:
        rebuilt, original = orjson.loads(row["@message"]), records[row["eventID"]]
        assert _same_where_rebuilt(rebuilt, original), (rebuilt, original)
        # CloudTrail's key order; only keys the table has no column for are missing.
        assert list(rebuilt) == [k for k in order if k in rebuilt]
        assert set(original) - set(rebuilt) <= {"resources", "managementEvent", "sessionCredentialFromConsole"} | {
            k for k, v in original.items() if v is None}, set(original) - set(rebuilt)
