"""The registry of the scalar functions the local engine evaluates (reference §4), in one place.

Implementations live by family: `functions_text` (strings, numbers, general), `functions_time`
(datetimes and period arithmetic), `functions_data` (IP addresses, JSON). Names are resolved
through `trailq.lang.functions` (`engine_name`), so aliases and spellings are decided there once.
Functions that need the event or the query's time range (`bin`, `ispresent`, `now`,
`queryStartTime`, ...) are evaluated by the interpreter; they are listed in `CONTEXT_FUNCTIONS`.
"""

from __future__ import annotations

import base64
import math
import urllib.parse
from functools import cache
from typing import Callable

from trailq.engine import functions_data as datafn
from trailq.engine import functions_text as textfn
from trailq.engine import functions_time as timefn
from trailq.engine.functions_text import compile_regex, truth
from trailq.engine.functions_time import Period, ceil_period_ms, floor_period_ms
from trailq.engine.values import Value, to_number
from trailq.lang.functions import lookup

__all__ = [
    "Period",
    "SCALARS",
    "CONTEXT_FUNCTIONS",
    "engine_name",
    "floor_period_ms",
    "ceil_period_ms",
    "compile_regex",
    "truth",
]


@cache
def engine_name(name: str) -> str:
    """The key of a function in the engine's tables: its canonical name in `trailq.lang.functions`
    (aliases resolved), lower-cased. An unknown name is only lower-cased, and then found nowhere."""
    spec = lookup(name)
    return (spec.name if spec is not None else name).lower()


# Keyed by engine_name(): the canonical name of trailq.lang.functions, lower-cased; aliases
# (`strftime`, `count_distinct`, ...) are resolved there, never repeated here.
SCALARS: dict[str, Callable[..., Value]] = {
    # strings
    "isempty": textfn.isempty,
    "isblank": textfn.isblank,
    "concat": textfn.concat,
    "ltrim": textfn.trim_factory("l"),
    "rtrim": textfn.trim_factory("r"),
    "trim": textfn.trim_factory("both"),
    "strlen": textfn.text_args(len),
    "toupper": textfn.text_args(str.upper),
    "tolower": textfn.text_args(str.lower),
    "substr": textfn.text_args(textfn.substr),
    "replace": textfn.text_args(textfn.replace),
    "strcontains": textfn.text_args(textfn.strcontains),
    "regexreplace": textfn.text_args(textfn.regex_replace),
    "startswith": textfn.text_args(textfn.startswith),
    "endswith": textfn.text_args(textfn.endswith),
    "urlencode": textfn.text_args(lambda t: urllib.parse.quote(t, safe="")),
    "urldecode": textfn.text_args(urllib.parse.unquote),
    "base64encode": textfn.text_args(lambda t: base64.b64encode(t.encode("utf-8")).decode()),
    "base64decode": textfn.text_args(textfn.base64decode),
    "split": textfn.text_args(textfn.split),
    "hextoascii": textfn.text_args(textfn.hex_to_ascii),
    "hextodec": textfn.text_args(textfn.hex_to_dec),
    "dectohex": textfn.dec_to_hex,
    "md5": textfn.text_args(textfn.hash_("md5")),
    "sha256": textfn.text_args(textfn.hash_("sha256")),
    # numbers
    "abs": textfn.number_args(abs),
    "ceil": textfn.number_args(lambda x: math.ceil(x)),
    "floor": textfn.number_args(lambda x: math.floor(x)),
    "greatest": textfn.greatest,
    "least": textfn.least,
    "log": textfn.number_args(textfn.log),
    "sqrt": textfn.number_args(textfn.sqrt),
    "round": textfn.number_args(textfn.round_),
    "haversine": textfn.number_args(textfn.haversine),
    "tonumber": lambda v: to_number(v),
    "toint": textfn.to_int_bits(32),
    "tolong": textfn.to_int_bits(64),
    "todouble": textfn.to_double,
    # datetimes
    "datefloor": timefn.period_fn(timefn.floor_period_ms),
    "dateceil": timefn.period_fn(timefn.ceil_period_ms),
    "frommillis": timefn.from_millis,
    "tomillis": timefn.to_millis,
    "parsedate": textfn.text_args(timefn.parse_date),
    "formatdate": timefn.format_date,
    # general
    "coalesce": textfn.coalesce,
    "case": textfn.case,
    "if": textfn.if_,
    "isnumeric": textfn.is_numeric,
    "messagesize": textfn.message_size,
    # Local files carry no data-protection masking: unmask(x) is x itself (docs/semantics.md).
    "unmask": lambda value: value,
    # IP addresses
    "isvalidip": lambda v: datafn.ip(v) is not None,
    "isvalidipv4": lambda v: datafn.ip(v, 4) is not None,
    "isvalidipv6": lambda v: datafn.ip(v, 6) is not None,
    "isipinsubnet": datafn.in_subnet(None),
    "isipv4insubnet": datafn.in_subnet(4),
    "isipv6insubnet": datafn.in_subnet(6),
    "ipv4tonumber": datafn.ipv4_to_number,
    "isprivateip": datafn.is_private,
    "ispublicip": datafn.is_public,
    "isreservedip": datafn.is_reserved,
    # JSON
    "jsonparse": datafn.json_parse,
    "jsonstringify": datafn.json_stringify,
    "jsonarraysize": datafn.json_array_size,
    "jsonarraycontains": datafn.json_array_contains,
}

# Evaluated by the interpreter, which knows the event and the run: bin() reads @timestamp,
# ispresent() looks at an unevaluated field, now()/query*Time() read the run's clock and range.
CONTEXT_FUNCTIONS = frozenset({"bin", "ispresent", "now", "querystarttime", "queryendtime", "querytimerange"})
