"""One CloudTrail event as the local engine sees it, and how a field name reads it.

Fields are resolved lazily, the way Logs Insights discovers them (see `field_getter`): records
keep their parsed dict and a field name is walked as a dotted path only when a query asks for it.
The readers that make events from files are `events.py`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from trailq.engine.values import Timestamp, Value

# The log group an event seems to come from; a trail's files do not name one (see semantics.md).
DEFAULT_LOG_GROUP = "CloudTrail/DefaultLogGroup"


class Event:
    """One CloudTrail record: its parsed JSON, its raw text and the system fields derived from it."""

    __slots__ = ("record", "raw", "timestamp_ms", "stream")

    def __init__(self, record: dict[str, Any], raw: bytes | str | None, timestamp_ms: int | None, stream: str | None = None) -> None:
        self.record = record
        self.raw = raw
        self.timestamp_ms = timestamp_ms
        self.stream = stream

    def message(self) -> str:
        """``@message``: the record's text as the trail delivered it (re-serialised for documents)."""
        raw = self.raw
        if raw is None:
            raw = orjson.dumps(self.record)
            self.raw = raw
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw

    def account(self) -> str:
        record = self.record
        account = record.get("recipientAccountId")
        if not isinstance(account, str):
            identity = record.get("userIdentity")
            account = identity.get("accountId") if isinstance(identity, dict) else None
        return account if isinstance(account, str) else "unknown"

    def log_stream(self) -> str:
        if self.stream is not None:
            return self.stream
        region = self.record.get("awsRegion")
        return f"{self.account()}_CloudTrail_{region if isinstance(region, str) else 'unknown'}"

    def ptr(self) -> str:
        """``@ptr``: opaque and deterministic, from the record's content (same record, same pointer, any format)."""
        digest = hashlib.blake2b(orjson.dumps(self.record, option=orjson.OPT_SORT_KEYS), digest_size=18).digest()
        return base64.urlsafe_b64encode(digest).decode()

    def system_field(self, name: str) -> Value:
        if name == "@timestamp":
            return Timestamp(self.timestamp_ms) if self.timestamp_ms is not None else None
        if name == "@message":
            return self.message()
        if name == "@logStream":
            return self.log_stream()
        if name == "@log":
            return f"{self.account()}:{DEFAULT_LOG_GROUP}"
        if name == "@ptr":
            return self.ptr()
        if name == "@ingestionTime":
            return Timestamp(self.timestamp_ms) if self.timestamp_ms is not None else None
        return None


SYSTEM_FIELDS = frozenset({"@timestamp", "@message", "@logStream", "@log", "@ptr", "@ingestionTime"})


class PartialEvent(Event):
    """An event whose `record` holds only the top-level keys the query reads (decode.py). `@ptr`
    hashes the whole record, so it parses the line again for the few rows that show one."""

    __slots__ = ()

    def ptr(self) -> str:
        raw = self.raw
        assert raw is not None, "a partial event always keeps its line"
        return Event(orjson.loads(raw), raw, self.timestamp_ms, self.stream).ptr()


class EventBatch:
    """The events of one block (or a run of events) in reading order, as parallel lists of records,
    raw texts and times; `events()` builds the Event objects.

    The block reader's common case (a line holding one record) is added with `add` and no Event is
    built for it (a Python object per record is a tenth of a full scan's time), because the fast
    stats path (fastagg.py) reads only `records`. Events made elsewhere (documents, trail objects,
    records without a time) are added whole with `add_event` and handed out as they are.
    `text_keys`: keys whose value in every record added with `add` is text or null (the decoder
    typed them so: decode.FieldDecoder); fastagg counts such keys without rendering them."""

    __slots__ = ("records", "raws", "times", "made", "kind", "text_keys")

    def __init__(self, kind: type[Event] = Event, text_keys: frozenset[str] = frozenset()) -> None:
        self.records: list[dict[str, Any]] = []
        self.raws: list[bytes | str | None] = []
        self.times: list[int | None] = []
        self.made: dict[int, Event] = {}  # position -> an event added whole
        self.kind = kind  # the class of the events built for records added with `add`
        self.text_keys = text_keys

    @classmethod
    def of(cls, events: Iterable[Event]) -> EventBatch:
        batch = cls()
        batch.add_events(events)
        return batch

    def __len__(self) -> int:
        return len(self.records)

    def add(self, record: dict[str, Any], raw: bytes | str | None, timestamp_ms: int | None) -> None:
        self.records.append(record)
        self.raws.append(raw)
        self.times.append(timestamp_ms)

    def add_event(self, event: Event) -> None:
        self.made[len(self.records)] = event
        self.add(event.record, event.raw, event.timestamp_ms)

    def add_events(self, events: Iterable[Event]) -> None:
        """`add_event` of each (one loop: a trail object's records come this way)."""
        made, records, raws, times = self.made, self.records.append, self.raws.append, self.times.append
        position = len(self.records)
        for event in events:
            made[position] = event
            position += 1
            records(event.record)
            raws(event.raw)
            times(event.timestamp_ms)

    def events(self) -> list[Event]:
        made = self.made
        if len(made) == len(self.records):
            return list(made.values())  # positions 0..n-1, added in order
        events = list(map(self.kind, self.records, self.raws, self.times))
        for position, event in made.items():
            events[position] = event
        return events


def leaf_value(value: object) -> Value:
    """A discovered JSON value: scalars are fields; objects and arrays are not (only their leaves are)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value  # type: ignore[return-value]  # a JSON scalar left: str, int or float


def _walk(node: object, parts: tuple[str, ...], index: int) -> object:
    """Follow a dotted path; a key may itself contain dots, so try the longest key first."""
    if index == len(parts):
        return node
    if isinstance(node, dict):
        if index == len(parts) - 1:
            return node.get(parts[index])
        for end in range(len(parts), index, -1):
            key = parts[index] if end == index + 1 else ".".join(parts[index:end])
            if key in node:
                found = _walk(node[key], parts, end)
                if found is not None:
                    return found
        return None
    if isinstance(node, list):
        part = parts[index]
        if part.isdigit():
            position = int(part)
            if position < len(node):
                return _walk(node[position], parts, index + 1)
        return None
    return None


def walk_record(record: object, parts: tuple[str, ...]) -> object:
    """The record's value at a dotted path (objects and arrays included), or None."""
    return _walk(record, parts, 0)


def top_level_key(name: str) -> str | None:
    """The record key a field name reads when `field_getter(name)` is `leaf_value(record.get(key))`
    (not a system field, no dot); None otherwise. Lets hot loops read the dict directly."""
    if name in SYSTEM_FIELDS:
        return None
    path = name[1:] if name.startswith("@@") else name
    return path if "." not in path else None


def field_getter(name: str) -> Callable[[Event], Value]:
    """A function reading one field from an event: system fields, then the record's dotted paths.

    ``@@x`` names the record's own key ``@x`` (Logs Insights adds ``@`` to discovered keys that
    already start with one).
    """
    if name in SYSTEM_FIELDS:
        return lambda event: event.system_field(name)
    path = name[1:] if name.startswith("@@") else name
    parts = tuple(path.split("."))
    if len(parts) == 1:
        key = parts[0]
        return lambda event: leaf_value(event.record.get(key))
    if len(parts) == 2 and not parts[1].isdigit():
        first, second = parts

        def two(event: Event) -> Value:
            inner = event.record.get(first)
            if isinstance(inner, dict) and second in inner:
                return leaf_value(inner[second])
            return leaf_value(_walk(event.record, parts, 0))

        return two
    return lambda event: leaf_value(_walk(event.record, parts, 0))
