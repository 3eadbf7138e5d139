"""Reading only the top-level keys a query uses from a JSON line, with orjson's validation.

`orjson.loads` builds every object of a 1.3 KB CloudTrail line although a query such as
`stats count(*) by eventSource, eventName` reads three keys. `FieldDecoder.record` returns just
those keys, as the dict `{k: full[k] for k in keys if k in full}` where `full` would be
`orjson.loads(line)`, or None when the line must take orjson's full parse instead. A None is
always safe: the reader then parses the line with orjson exactly as before, so a line refused
here is reported with orjson's message, or read whole if orjson accepts it.

Two parsers share the work, because neither does both parts the way orjson does:
- pysimdjson (simdjson's DOM parser) validates the whole line (structure, numbers, escapes,
  UTF-8) and rejects everything orjson rejects: trailing commas, leading zeros, invalid UTF-8
  and encoded surrogates, numbers beyond the double range (`1e400`, `1e999`), bad escapes, lone
  surrogate escapes, trailing content, NaN/Infinity, raw control characters, nesting over 1024.
  It rejects a few lines orjson accepts (integers beyond 64 bits, which orjson reads as floats;
  objects nested exactly 1024 deep): those go to orjson. But its lookups return the FIRST of
  duplicate keys where orjson keeps the last, and an exact guard against that (counting each
  wanted key's quoted name in the line, 0.55 µs a key) cost more than orjson's whole parse.
- msgspec, decoding into a `TypedDict` of the wanted keys, builds only those values, keeps the
  last duplicate (escaped spellings of a key included) and leaves absent keys out, as orjson
  does; it skips the other values with a looser check (it accepts `1e400` or invalid UTF-8 in a
  value it skips), which simdjson's validation covers. It rejects a UTF-8 byte order mark, which
  simdjson would skip and orjson rejects, and objects nested from depth ~997: orjson decides.
Values: strings, 64-bit integers (`-0` is the integer 0), doubles (correctly rounded by all
three), booleans, null, nested objects (last duplicate wins) and arrays convert to the same Python
values as orjson's. tests/engine/test_decode.py pins each case and compares the three parsers on
generated lines; tests/engine/test_fastpaths.py compares whole query results.

A line with a wrapper key (`Records`, `events`) at the top level is not one record: the decoder
refuses it (no value passes the type it gives those keys), so the reader's wrapper path reads it,
and every dict the decoder returns is one record (events._plain_lines relies on that).
Keys the fast stats path groups by (`text_keys`, fastagg.text_keys) are typed `str | None`: a record
whose value there is anything else (a number, an object) is refused, so orjson's path renders it,
and fastagg may count the decoded records' keys as they are (text renders as itself).

A query with a command this module does not know gets whole records: `record_keys` returns None
and the readers keep orjson. `@ptr` hashes the whole record: `event_model.PartialEvent` re-parses its
line with orjson for it (only rows that are shown need one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypedDict

from trailq.lang import ast as A
from trailq.lang.analysis import referenced_fields

try:  # without either, every line takes orjson (same answers, slower)
    import msgspec
    from simdjson import Parser as _Parser
except ImportError:  # pragma: no cover - a platform without a wheel for one of them
    _Parser = None  # type: ignore[assignment, misc]  # None marks the missing wheel; every use checks it first
else:
    # No JSON value passes this type: a line holding such a key is refused (see the module doc).
    _NO_VALUE: Any = Annotated[int, msgspec.Meta(ge=1, le=0)]

# Keys that make a line a wrapper of records rather than one record (sources.is_single_record).
WRAPPER_KEYS = ("Records", "events")

__all__ = ["FieldDecoder", "decoder_for", "record_keys", "keys_of_field", "available", "is_json_object"]

_BOM = b"\xef\xbb\xbf"
# The record types are built at run time from the query's keys, which a type checker cannot follow.
_typed_dict: Any = TypedDict
# Not a key: in a key set, it says that rows may show the whole record (@message, @ptr). A line
# keeps its text, so PartialEvent can rebuild it; a record inside a trail object has no text of
# its own, so such objects are parsed whole (`FieldDecoder.records` refuses them).
WHOLE_RECORD = "\x00whole record"
# Keys every reader needs: the time of an event, the wrapper keys that make a line a trail object
# or an export, and what tells a digest (sources.is_digest_record) from a record without a time.
_ALWAYS = ("eventTime", "Records", "events", "digestStartTime", "digestEndTime", "logFiles")
# What each system field (event_model.SYSTEM_FIELDS; a test keeps the two equal) reads from a record:
# @log and @logStream name the account and region (Event.account, Event.log_stream); @timestamp
# and @ingestionTime come from eventTime, @message and @ptr from the whole record.
SYSTEM_KEYS: dict[str, tuple[str, ...]] = {
    "@timestamp": (),
    "@ingestionTime": (),
    "@message": (WHOLE_RECORD,),
    "@ptr": (WHOLE_RECORD,),
    "@log": ("recipientAccountId", "userIdentity"),
    "@logStream": ("recipientAccountId", "userIdentity", "awsRegion"),
}
# Commands whose reads `analysis.referenced_fields` names completely. Any other command makes the
# readers build whole records.
_KNOWN_COMMANDS = (A.Fields, A.Display, A.Filter, A.FilterIndex, A.Stats, A.Sort, A.Limit, A.Parse, A.Dedup, A.Unnest)


def available() -> bool:
    return _Parser is not None


def keys_of_field(name: str) -> tuple[str, ...]:
    """The top-level record keys `event_model.field_getter(name)` may read: every dotted prefix of
    the path (a key may itself hold dots: `a.b.c` reads `a`, `a.b` or `a.b.c`)."""
    if name in SYSTEM_KEYS:
        return SYSTEM_KEYS[name]
    path = name[1:] if name.startswith("@@") else name
    parts = path.split(".")
    return tuple(".".join(parts[:end]) for end in range(1, len(parts) + 1))


def record_keys(query: A.Query, columns: Iterable[str]) -> frozenset[str] | None:
    """The top-level keys the query can read from a record (eventTime included), or None when it
    may read more than it names (a command not in `_KNOWN_COMMANDS`)."""
    if not all(isinstance(command, _KNOWN_COMMANDS) for command in query.commands):
        return None
    names = referenced_fields(query) | set(columns)
    keys = set(_ALWAYS)
    for name in names:
        keys.update(keys_of_field(name))
    return frozenset(keys)


class FieldDecoder:
    """`record(line)`: the wanted top-level keys of one JSON line, or None (see the module doc)."""

    def __init__(self, keys: Iterable[str], text_keys: Iterable[str] = ()) -> None:
        if _Parser is None:
            raise RuntimeError("pysimdjson or msgspec is not installed")
        self.keys = frozenset(keys)
        self.text_keys = frozenset(text_keys) & self.keys
        types = {key: _NO_VALUE if key in WRAPPER_KEYS else (str | None) if key in self.text_keys else Any
                 for key in sorted(self.keys - {WHOLE_RECORD})}
        wanted: Any = _typed_dict("Wanted", types, total=False)
        self._extract: Callable[[bytes], dict[str, Any]] = msgspec.json.Decoder(wanted).decode
        # A trail object on one line: its Records, each a record of the wanted keys (an element that
        # is not an object fails the type: orjson's path reports it).
        trail = _typed_dict("Trail", {"Records": list[wanted], "eventTime": Any}, total=False)
        self._extract_trail: Callable[[bytes], dict[str, Any]] | None = (
            None if WHOLE_RECORD in self.keys else msgspec.json.Decoder(trail).decode
        )
        self._validate = _Parser().parse
        self._refused = (msgspec.DecodeError, ValueError, RuntimeError)

    # A simdjson parser keeps buffers sized for the largest document it has seen (several times its
    # size): after a line longer than this, the next line gets a fresh parser, so memory does not
    # stay at the level of one huge line.
    big_line = 16 << 20

    def _valid(self, line: bytes) -> None:
        """Raises unless simdjson accepts the line (see the module doc for what it rejects)."""
        try:
            self._validate(line)  # the proxy it returns is dropped at once (the parser is reused)
        finally:
            if len(line) > self.big_line:
                self._validate = _Parser().parse

    def record(self, line: bytes) -> dict[str, Any] | None:
        if line.startswith(_BOM):
            return None  # simdjson skips a byte order mark; orjson rejects the line
        try:
            self._valid(line)
            return self._extract(line)
        except self._refused:  # msgspec.ValidationError too: a non-object line
            return None

    def lines(self, bodies: list[bytes]) -> list[dict[str, Any] | None]:
        """`record` of each stripped line of a block, in one loop (the block reader's hot path).
        msgspec goes first here: it refuses a byte order mark and stops at a wrapper key, so a trail
        object on one line (`{"Records":[...]}`, megabytes) costs no simdjson pass before the
        reader sends it to `records`. Both must accept a line either way."""
        validate, extract, refused = self._validate, self._extract, self._refused
        out: list[dict[str, Any] | None] = []
        append = out.append
        for body in bodies:
            try:
                record = extract(body)
                validate(body)  # the proxy it returns is dropped at once (the parser is reused)
                append(record)
            except refused:  # an empty line, a non-object line, a line either parser rejects
                append(None)
        if bodies and max(map(len, bodies)) > self.big_line:
            self._validate = _Parser().parse  # as in _valid: the next block gets a fresh parser
        return out

    def records(self, line: bytes) -> list[dict[str, Any]] | None:
        """The Records of a trail object on one line (`{"Records": [...]}`), each with the wanted
        keys as `record` gives them; None when orjson's whole parse must decide (events._from_document:
        no Records list, an `eventTime` beside it, an element that is not an object, rows that show
        whole records, or a line refused as in `record`)."""
        if self._extract_trail is None or line.startswith(_BOM):
            return None
        try:
            self._valid(line)
            trail = self._extract_trail(line)
        except self._refused:
            return None
        records: list[dict[str, Any]] | None = trail.get("Records")
        if records is None or "eventTime" in trail:
            return None
        return records


_DECODERS: dict[tuple[frozenset[str], frozenset[str]], FieldDecoder] = {}


def is_json_object(text: bytes) -> bool:
    """True when `text` is one JSON object that orjson accepts, checked without building it (a trail's
    S3 object is one line of megabytes; `sources.sniff` only needs to know what it is). False means
    "not shown here": the caller asks orjson. simdjson accepting a text orjson refuses happens only for
    a leading byte order mark, which the `{` test excludes (module doc)."""
    if _Parser is None or not text.startswith(b"{"):
        return False
    try:
        _Parser().parse(text)  # a parser of its own: its buffers go with it, however long the text
    except (ValueError, RuntimeError):
        return False
    return True


def decoder_for(keys: frozenset[str] | None, text_keys: frozenset[str] = frozenset()) -> FieldDecoder | None:
    """The FieldDecoder of a key set, one per process; None when whole records are wanted
    (`keys` None) or pysimdjson or msgspec is missing."""
    if keys is None or _Parser is None:
        return None
    decoder = _DECODERS.get((keys, text_keys))
    if decoder is None:
        decoder = _DECODERS[keys, text_keys] = FieldDecoder(keys, text_keys)
    return decoder
