"""Registry of every documented Logs Insights function (reference §4), with arity and kind.

Canonical names are the spellings of the current AWS function tables (`ispresent`,
`countDistinct`, `formatDate`, `jsonParse`, ...). Lookup is case-insensitive and also accepts
aliases (`isPresent`, `count_distinct`, `strftime`, `collect_values`). The local engine
implements functions by canonical name: see `CANONICAL_NAMES`.

kind: scalar (anywhere), aggregate (only in stats), stats (non-aggregating but per-group:
earliest/latest/sortsFirst/sortsLast — also only in stats).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class FunctionKind(str, enum.Enum):
    """Where a function may appear. A str enum, so a kind still equals its documented word."""

    SCALAR = "scalar"  # anywhere
    AGGREGATE = "aggregate"  # only in stats
    STATS = "stats"  # only in stats, non-aggregating but per group (earliest, latest, ...)


AGGREGATE, STATS = FunctionKind.AGGREGATE, FunctionKind.STATS


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    kind: FunctionKind = FunctionKind.SCALAR
    returns: str = "any"  # string | number | boolean | timestamp | any | list | map
    aliases: tuple[str, ...] = ()
    star_arg: bool = False  # accepts `*` as its argument (count(*))
    duration_args: tuple[int, ...] = ()  # argument positions that are time periods

    @property
    def only_in_stats(self) -> bool:
        return self.kind is not FunctionKind.SCALAR

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.min_args == self.max_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


_SPECS: tuple[FunctionSpec, ...] = (
    # §4.5 datetime
    FunctionSpec("bin", 1, 1, returns="timestamp", duration_args=(0,)),
    FunctionSpec("datefloor", 2, 2, returns="timestamp", aliases=("date_floor",), duration_args=(1,)),
    FunctionSpec("dateceil", 2, 2, returns="timestamp", duration_args=(1,)),
    FunctionSpec("fromMillis", 1, 1, returns="timestamp"),
    FunctionSpec("toMillis", 1, 1, returns="number"),
    FunctionSpec("now", 0, 0, returns="number"),
    FunctionSpec("parseDate", 2, 3, returns="number"),
    FunctionSpec("formatDate", 2, 3, returns="string", aliases=("strftime",)),
    # §4.6 general
    FunctionSpec("ispresent", 1, 1, returns="boolean"),
    FunctionSpec("coalesce", 1, None, returns="any"),
    FunctionSpec("case", 2, 21, returns="any"),
    FunctionSpec("if", 3, 3, returns="any"),
    FunctionSpec("isNumeric", 1, 1, returns="boolean"),
    FunctionSpec("messageSize", 1, 1, returns="number"),
    FunctionSpec("unmask", 1, 1, returns="string"),  # data protection page, "View unmasked data": fields unmask(@message)
    FunctionSpec("queryStartTime", 0, 0, returns="number"),
    FunctionSpec("queryEndTime", 0, 0, returns="number"),
    FunctionSpec("queryTimeRange", 0, 0, returns="number"),
    # §4.7 numeric
    FunctionSpec("abs", 1, 1, returns="number"),
    FunctionSpec("ceil", 1, 1, returns="number"),
    FunctionSpec("floor", 1, 1, returns="number"),
    FunctionSpec("greatest", 1, None, returns="number"),
    FunctionSpec("least", 1, None, returns="number"),
    FunctionSpec("log", 1, 1, returns="number"),
    FunctionSpec("sqrt", 1, 1, returns="number"),
    FunctionSpec("round", 1, 2, returns="number"),
    FunctionSpec("haversine", 4, 4, returns="number"),
    FunctionSpec("toNumber", 1, 1, returns="number"),
    FunctionSpec("toInt", 1, 1, returns="number"),
    FunctionSpec("toLong", 1, 1, returns="number"),
    FunctionSpec("toDouble", 1, 1, returns="number"),
    # §4.10 string
    FunctionSpec("isempty", 1, 1, returns="number"),
    FunctionSpec("isblank", 1, 1, returns="number"),
    FunctionSpec("concat", 1, None, returns="string"),
    FunctionSpec("ltrim", 1, 2, returns="string"),
    FunctionSpec("rtrim", 1, 2, returns="string"),
    FunctionSpec("trim", 1, 2, returns="string"),
    FunctionSpec("strlen", 1, 1, returns="number"),
    FunctionSpec("toupper", 1, 1, returns="string"),
    FunctionSpec("tolower", 1, 1, returns="string"),
    FunctionSpec("substr", 2, 3, returns="string"),
    FunctionSpec("replace", 3, 3, returns="string"),
    FunctionSpec("strcontains", 2, 3, returns="number"),
    FunctionSpec("regexReplace", 3, 3, returns="string"),
    FunctionSpec("startsWith", 2, 2, returns="number"),
    FunctionSpec("endsWith", 2, 2, returns="number"),
    FunctionSpec("urlencode", 1, 1, returns="string"),
    FunctionSpec("urldecode", 1, 1, returns="string"),
    FunctionSpec("base64encode", 1, 1, returns="string"),
    FunctionSpec("base64decode", 1, 1, returns="string"),
    FunctionSpec("split", 2, 2, returns="list"),
    FunctionSpec("hexToAscii", 1, 1, returns="string"),
    FunctionSpec("hexToDec", 1, 1, returns="number"),
    FunctionSpec("decToHex", 1, 1, returns="string"),
    FunctionSpec("md5", 1, 1, returns="string"),
    FunctionSpec("sha256", 1, 1, returns="string"),
    # §4.11 IP address
    FunctionSpec("isValidIp", 1, 1, returns="boolean"),
    FunctionSpec("isValidIpV4", 1, 1, returns="boolean"),
    FunctionSpec("isValidIpV6", 1, 1, returns="boolean"),
    FunctionSpec("isIpInSubnet", 2, 2, returns="boolean"),
    FunctionSpec("isIpv4InSubnet", 2, 2, returns="boolean"),
    FunctionSpec("isIpv6InSubnet", 2, 2, returns="boolean"),
    FunctionSpec("ipv4ToNumber", 1, 1, returns="number"),
    FunctionSpec("isPrivateIP", 1, 1, returns="boolean"),
    FunctionSpec("isPublicIP", 1, 1, returns="boolean"),
    FunctionSpec("isReservedIP", 1, 1, returns="boolean"),
    # §4.12 JSON
    FunctionSpec("jsonParse", 1, 1, returns="any"),
    FunctionSpec("jsonStringify", 1, 1, returns="string"),
    FunctionSpec("jsonArraySize", 1, 1, returns="number"),
    FunctionSpec("jsonArrayContains", 2, 2, returns="boolean"),
    # §4.13 aggregations
    FunctionSpec("avg", 1, 1, kind=AGGREGATE, returns="number"),
    FunctionSpec("count", 0, 1, kind=AGGREGATE, returns="number", star_arg=True),
    FunctionSpec("countDistinct", 1, 1, kind=AGGREGATE, returns="number", aliases=("count_distinct",)),
    FunctionSpec("max", 1, 1, kind=AGGREGATE, returns="any"),
    FunctionSpec("min", 1, 1, kind=AGGREGATE, returns="any"),
    FunctionSpec("pct", 2, 2, kind=AGGREGATE, returns="any"),
    FunctionSpec("stddev", 1, 1, kind=AGGREGATE, returns="number"),
    FunctionSpec("sum", 1, 1, kind=AGGREGATE, returns="number"),
    FunctionSpec("values", 1, 1, kind=AGGREGATE, returns="list", aliases=("collect_values",)),
    FunctionSpec("variance", 1, 1, kind=AGGREGATE, returns="number"),
    FunctionSpec("topk", 2, 2, kind=AGGREGATE, returns="list"),
    # Time-series page signatures: rate(fieldName, interval), histogram(fieldName, buckets), both required.
    FunctionSpec("rate", 2, 2, kind=AGGREGATE, returns="number", duration_args=(1,)),
    FunctionSpec("countOverTime", 1, 1, kind=AGGREGATE, returns="number"),
    FunctionSpec("sumOverTime", 1, 1, kind=AGGREGATE, returns="number"),
    FunctionSpec("histogram", 2, 2, kind=AGGREGATE, returns="map"),
    # §4.13 stats-only, non-aggregating
    FunctionSpec("earliest", 1, 1, kind=STATS, returns="any"),
    FunctionSpec("latest", 1, 1, kind=STATS, returns="any"),
    FunctionSpec("sortsFirst", 1, 1, kind=STATS, returns="any"),
    FunctionSpec("sortsLast", 1, 1, kind=STATS, returns="any"),
)

FUNCTIONS: dict[str, FunctionSpec] = {spec.name: spec for spec in _SPECS}
CANONICAL_NAMES: tuple[str, ...] = tuple(spec.name for spec in _SPECS)
_BY_LOWER: dict[str, FunctionSpec] = {}
for _spec in _SPECS:
    for _name in (_spec.name, *_spec.aliases):
        _BY_LOWER[_name.lower()] = _spec


def lookup(name: str) -> FunctionSpec | None:
    """The spec for a function name or alias, any case; None when unknown."""
    return _BY_LOWER.get(name.lower())


def is_aggregate(name: str) -> bool:
    """True for functions allowed only inside stats (aggregations and earliest/latest/...)."""
    spec = lookup(name)
    return spec is not None and spec.only_in_stats


def suggest(name: str) -> str | None:
    """A close known name for an unknown one (for the error hint)."""
    import difflib

    match = difflib.get_close_matches(name.lower(), list(_BY_LOWER), n=1, cutoff=0.75)
    return _BY_LOWER[match[0]].name if match else None
