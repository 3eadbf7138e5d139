"""`@message` on Athena: the record's JSON text, rebuilt from the columns of AWS's CloudTrail table.

The table keeps no raw-record column, but queries of the built-in pack read `@message` (a regex over
`"responseElements":{...}`, a fallback key for records without an eventID). The text is rebuilt in
CloudTrail's usual key order and spelling, compact like the trail's own files: text columns as JSON
strings; `requestparameters`, `responseelements`, `additionaleventdata`, `serviceeventdetails` and
`edgedevicedetails` embedded as they are (they hold JSON text); `readonly` as a JSON boolean; the
structs as JSON objects with CloudTrail's camelCase member names. A missing (NULL) value leaves its
key out, as CloudTrail does; so does an object without any value (`{}`). Limits (docs/semantics.md,
"SQL engines"): keys the table has no column for (`resources`, `managementEvent`, keys AWS adds later)
are absent, and key order inside the JSON-string columns is whatever the table stores.

Built from sqlglot nodes only (`||`, CONCAT_WS and REPLACE mean the same in Trino and DuckDB, so the
same tree serves the Athena SQL and its DuckDB transpilation in the tests).
"""

from __future__ import annotations

from typing import Union

from sqlglot import exp

from trailq.sql.dialects import call

# CloudTrail's member names for the table's lower-case struct members, in the order CloudTrail writes them.
Members = dict[str, Union[str, "Members"]]
_SESSION_ISSUER: Members = {"type": "type", "principalid": "principalId", "arn": "arn", "accountid": "accountId",
                            "username": "userName"}
USER_IDENTITY: Members = {
    "type": "type", "principalid": "principalId", "arn": "arn", "accountid": "accountId", "accesskeyid": "accessKeyId",
    "username": "userName",
    "sessioncontext": {
        "sessionissuer": _SESSION_ISSUER,
        "webidfederationdata": {"federatedprovider": "federatedProvider"},
        "attributes": {"creationdate": "creationDate", "mfaauthenticated": "mfaAuthenticated"},
        "sourceidentity": "sourceIdentity",
        "ec2roledelivery": "ec2RoleDelivery",
        "assumedroot": "assumedRoot",
    },
    "invokedby": "invokedBy",
    "onbehalfof": {"userid": "userId", "identitystorearn": "identityStoreArn"},
}
# Nested objects' own key names (CloudTrail's), for the members that are structs.
NESTED_KEYS = {"sessioncontext": "sessionContext", "sessionissuer": "sessionIssuer", "webidfederationdata": "webIdFederationData",
               "attributes": "attributes", "onbehalfof": "onBehalfOf"}
TLS_DETAILS: Members = {"tlsversion": "tlsVersion", "ciphersuite": "cipherSuite", "clientprovidedhostheader": "clientProvidedHostHeader"}
ADDENDUM: Members = {"reason": "reason", "updatedfields": "updatedFields", "originalrequestid": "originalRequestId",
                     "originaleventid": "originalEventId"}

TEXT, RAW, BOOLEAN = "text", "raw", "boolean"
# Top-level keys in CloudTrail's order: (column, CloudTrail's key, how the value is written).
TOP_LEVEL: list[tuple[str, str, str | Members]] = [
    ("eventversion", "eventVersion", TEXT),
    ("useridentity", "userIdentity", USER_IDENTITY),
    ("eventtime", "eventTime", TEXT),
    ("eventsource", "eventSource", TEXT),
    ("eventname", "eventName", TEXT),
    ("awsregion", "awsRegion", TEXT),
    ("sourceipaddress", "sourceIPAddress", TEXT),
    ("useragent", "userAgent", TEXT),
    ("errorcode", "errorCode", TEXT),
    ("errormessage", "errorMessage", TEXT),
    ("requestparameters", "requestParameters", RAW),
    ("responseelements", "responseElements", RAW),
    ("additionaleventdata", "additionalEventData", RAW),
    ("requestid", "requestID", TEXT),
    ("eventid", "eventID", TEXT),
    ("readonly", "readOnly", BOOLEAN),
    ("eventtype", "eventType", TEXT),
    ("apiversion", "apiVersion", TEXT),
    ("recipientaccountid", "recipientAccountId", TEXT),
    ("serviceeventdetails", "serviceEventDetails", RAW),
    ("sharedeventid", "sharedEventID", TEXT),
    ("vpcendpointid", "vpcEndpointId", TEXT),
    ("vpcendpointaccountid", "vpcEndpointAccountId", TEXT),
    ("eventcategory", "eventCategory", TEXT),
    ("addendum", "addendum", ADDENDUM),
    ("tlsdetails", "tlsDetails", TLS_DETAILS),
    ("sessioncredentialfromconsole", "sessionCredentialFromConsole", TEXT),
    ("edgedevicedetails", "edgeDeviceDetails", RAW),
]

# JSON string escapes: backslash first, then the quote. Control characters are left as they are: the
# values of the table's text columns (names, ids, addresses, user agents) do not hold them.
_ESCAPES = [("\\", "\\\\"), ('"', '\\"')]


def _text(value: str) -> exp.Expr:
    return exp.Literal.string(value)


def _concat(*parts: exp.Expr) -> exp.Expr:
    joined = parts[0]
    for part in parts[1:]:
        joined = exp.DPipe(this=joined, expression=part)
    return joined


def json_string(value: exp.Expr) -> exp.Expr:
    """`"..."`, the value's JSON string (NULL stays NULL)."""
    escaped = value
    for plain, escape in _ESCAPES:
        escaped = call("replace", escaped, _text(plain), _text(escape))
    return _concat(_text('"'), escaped, _text('"'))


def _member(key: str, value: exp.Expr) -> exp.Expr:
    """`"key":value`, NULL when the value is (CONCAT_WS then leaves the key out)."""
    return _concat(_text(f'"{key}":'), value)


def _object(path: exp.Expr, members: Members) -> exp.Expr:
    parts = []
    for column, spec in members.items():
        child = exp.Dot(this=path, expression=exp.to_identifier(column, quoted=True))
        if isinstance(spec, dict):
            parts.append(_member(NESTED_KEYS[column], _object(child, spec)))
        else:
            parts.append(_member(spec, json_string(child)))
    # A missing struct, or one without a value (`"webIdFederationData":{}`), leaves its key out: a table
    # may hold either for an absent object.
    inside = exp.Nullif(this=call("concat_ws", _text(","), *parts), expression=_text(""))
    return _concat(_text("{"), inside, _text("}"))


def _value(column: str, how: str | Members) -> exp.Expr:
    node = exp.column(column, quoted=True)
    if isinstance(how, dict):
        return _object(node, how)
    if how == RAW:
        return node
    if how == BOOLEAN:
        is_boolean = exp.In(this=node, expressions=[_text("true"), _text("false")])
        return exp.Case(ifs=[exp.If(this=is_boolean, true=node)], default=json_string(node))
    return json_string(node)


def record_json() -> exp.Expr:
    """The record's JSON text from the table's columns (see the module's docstring)."""
    members = [_member(key, _value(column, how)) for column, key, how in TOP_LEVEL]
    return _concat(_text("{"), call("concat_ws", _text(","), *members), _text("}"))
