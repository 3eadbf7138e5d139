"""Registry of every documented Logs Insights function (reference §4), with arity and kind.

Canonical names are the spellings of the current AWS function tables (`ispresent`,
`countDistinct`, `formatDate`, `jsonParse`, ...). Lookup is case-insensitive and also accepts
aliases (`isPresent`, `count_distinct`, `strftime`, `collect_values`). The local engine
implements functions by canonical name: see `CANONICAL_NAMES`.

kind: scalar (anywhere), aggregate (only in stats), stats (non-aggregating but per-group:
earliest/latest/sortsFirst/sortsLast — also only in stats).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    kind: str = "scalar"  # scalar | aggregate | stats
    returns: str = "any"  # string | number | boolean | timestamp | any | list | map
    aliases: tuple[str, ...] = ()
    star_arg: bool = False  # accepts `*` as its argument (count(*))
    duration_args: tuple[int, ...] = ()  # argument positions that are time periods

    @property
    def only_in_stats(self) -> bool:
        return self.kind in ("aggregate", "stats")

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.min_args == self.max_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


def _f(
    name: str,
    lo: int,
    hi: int | None,
    kind: str = "scalar",
    returns: str = "any",
    *aliases: str,
    star_arg: bool = False,
    duration_args: tuple[int, ...] = (),
) -> FunctionSpec:
    return FunctionSpec(name, lo, hi, kind, returns, tuple(aliases), star_arg, duration_args)


_SPECS: tuple[FunctionSpec, ...] = (
    # §4.5 datetime
    _f("bin", 1, 1, "scalar", "timestamp", duration_args=(0,)),
    _f("datefloor", 2, 2, "scalar", "timestamp", "date_floor", duration_args=(1,)),
    _f("dateceil", 2, 2, "scalar", "timestamp", duration_args=(1,)),
    _f("fromMillis", 1, 1, "scalar", "timestamp"),
    _f("toMillis", 1, 1, "scalar", "number"),
    _f("now", 0, 0, "scalar", "number"),
    _f("parseDate", 2, 3, "scalar", "number"),
    _f("formatDate", 2, 3, "scalar", "string", "strftime"),
    # §4.6 general
    _f("ispresent", 1, 1, "scalar", "boolean"),
    _f("coalesce", 1, None, "scalar", "any"),
    _f("case", 2, 21, "scalar", "any"),
    _f("if", 3, 3, "scalar", "any"),
    _f("isNumeric", 1, 1, "scalar", "boolean"),
    _f("messageSize", 1, 1, "scalar", "number"),
    _f("unmask", 1, 1, "scalar", "string"),  # data protection page, "View unmasked data": fields unmask(@message)
    _f("queryStartTime", 0, 0, "scalar", "number"),
    _f("queryEndTime", 0, 0, "scalar", "number"),
    _f("queryTimeRange", 0, 0, "scalar", "number"),
    # §4.7 numeric
    _f("abs", 1, 1, "scalar", "number"),
    _f("ceil", 1, 1, "scalar", "number"),
    _f("floor", 1, 1, "scalar", "number"),
    _f("greatest", 1, None, "scalar", "number"),
    _f("least", 1, None, "scalar", "number"),
    _f("log", 1, 1, "scalar", "number"),
    _f("sqrt", 1, 1, "scalar", "number"),
    _f("round", 1, 2, "scalar", "number"),
    _f("haversine", 4, 4, "scalar", "number"),
    _f("toNumber", 1, 1, "scalar", "number"),
    _f("toInt", 1, 1, "scalar", "number"),
    _f("toLong", 1, 1, "scalar", "number"),
    _f("toDouble", 1, 1, "scalar", "number"),
    # §4.10 string
    _f("isempty", 1, 1, "scalar", "number"),
    _f("isblank", 1, 1, "scalar", "number"),
    _f("concat", 1, None, "scalar", "string"),
    _f("ltrim", 1, 2, "scalar", "string"),
    _f("rtrim", 1, 2, "scalar", "string"),
    _f("trim", 1, 2, "scalar", "string"),
    _f("strlen", 1, 1, "scalar", "number"),
    _f("toupper", 1, 1, "scalar", "string"),
    _f("tolower", 1, 1, "scalar", "string"),
    _f("substr", 2, 3, "scalar", "string"),
    _f("replace", 3, 3, "scalar", "string"),
    _f("strcontains", 2, 3, "scalar", "number"),
    _f("regexReplace", 3, 3, "scalar", "string"),
    _f("startsWith", 2, 2, "scalar", "number"),
    _f("endsWith", 2, 2, "scalar", "number"),
    _f("urlencode", 1, 1, "scalar", "string"),
    _f("urldecode", 1, 1, "scalar", "string"),
    _f("base64encode", 1, 1, "scalar", "string"),
    _f("base64decode", 1, 1, "scalar", "string"),
    _f("split", 2, 2, "scalar", "list"),
    _f("hexToAscii", 1, 1, "scalar", "string"),
    _f("hexToDec", 1, 1, "scalar", "number"),
    _f("decToHex", 1, 1, "scalar", "string"),
    _f("md5", 1, 1, "scalar", "string"),
    _f("sha256", 1, 1, "scalar", "string"),
    # §4.11 IP address
    _f("isValidIp", 1, 1, "scalar", "boolean"),
    _f("isValidIpV4", 1, 1, "scalar", "boolean"),
    _f("isValidIpV6", 1, 1, "scalar", "boolean"),
    _f("isIpInSubnet", 2, 2, "scalar", "boolean"),
    _f("isIpv4InSubnet", 2, 2, "scalar", "boolean"),
    _f("isIpv6InSubnet", 2, 2, "scalar", "boolean"),
    _f("ipv4ToNumber", 1, 1, "scalar", "number"),
    _f("isPrivateIP", 1, 1, "scalar", "boolean"),
    _f("isPublicIP", 1, 1, "scalar", "boolean"),
    _f("isReservedIP", 1, 1, "scalar", "boolean"),
    # §4.12 JSON
    _f("jsonParse", 1, 1, "scalar", "any"),
    _f("jsonStringify", 1, 1, "scalar", "string"),
    _f("jsonArraySize", 1, 1, "scalar", "number"),
    _f("jsonArrayContains", 2, 2, "scalar", "boolean"),
    # §4.13 aggregations
    _f("avg", 1, 1, "aggregate", "number"),
    _f("count", 0, 1, "aggregate", "number", star_arg=True),
    _f("countDistinct", 1, 1, "aggregate", "number", "count_distinct"),
    _f("max", 1, 1, "aggregate", "any"),
    _f("min", 1, 1, "aggregate", "any"),
    _f("pct", 2, 2, "aggregate", "any"),
    _f("stddev", 1, 1, "aggregate", "number"),
    _f("sum", 1, 1, "aggregate", "number"),
    _f("values", 1, 1, "aggregate", "list", "collect_values"),
    _f("variance", 1, 1, "aggregate", "number"),
    _f("topk", 2, 2, "aggregate", "list"),
    _f("rate", 1, 2, "aggregate", "number", duration_args=(1,)),
    _f("countOverTime", 1, 1, "aggregate", "number"),
    _f("sumOverTime", 1, 1, "aggregate", "number"),
    _f("histogram", 1, 2, "aggregate", "map"),
    # §4.13 stats-only, non-aggregating
    _f("earliest", 1, 1, "stats", "any"),
    _f("latest", 1, 1, "stats", "any"),
    _f("sortsFirst", 1, 1, "stats", "any"),
    _f("sortsLast", 1, 1, "stats", "any"),
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
