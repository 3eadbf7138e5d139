"""Logs Insights expressions → typed sqlglot expressions.

Every value carries a kind (text, number, bool, time, null) so that comparisons and arithmetic
coerce the way the interpreter does (docs/semantics.md, "SQL engines"): text that reads as a
number compares numerically with a number, comparisons on a missing field are false and `!=`
true, arithmetic on a missing or non-numeric operand is null. Literals reach SQL only as
sqlglot literals, field names only as quoted identifiers.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from trailq.engine.values import Value
from trailq.errors import UnsupportedLocally
from trailq.lang import ast as A
from trailq.lang import functions as lang_functions
from trailq.lang.analysis import expression_name, field_refs
from trailq.lang.ast import walk
from trailq.lang.units import CALENDAR_UNITS
from trailq.sql.dialects import Dialect, call, number

TEXT, NUMBER, BOOL, TIME, NULL = "text", "number", "bool", "time", "null"
# A list (split()): only indexed (`list[0]`) or folded into a constant; never compared, shown or summed.
LIST = "list"
# Functions whose value depends on their arguments only: an expression of these over literals (and
# fields set from such expressions) is a constant the compiler may evaluate with the interpreter.
FOLDABLE = frozenset({"split", "replace", "concat", "tolower", "toupper", "trim", "ltrim", "rtrim", "substr",
                      "strlen", "coalesce", "if", "case"})
NUMERIC_KINDS = (NUMBER, TIME, BOOL)
FIXED_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
# Epoch day 0 (1970-01-01) is a Thursday; weeks start on Monday, four days later.
WEEK_ANCHOR_MS = 4 * 86_400_000


class NotCompilable(UnsupportedLocally):
    """Valid query text that trailq cannot turn into SQL: exit 7 with a caret, before anything runs."""


@dataclass(frozen=True)
class Typed:
    sql: exp.Expr
    kind: str


def is_null(value: exp.Expr) -> exp.Expr:
    return exp.Is(this=value, expression=exp.Null())


def not_null(value: exp.Expr) -> exp.Expr:
    return exp.Not(this=is_null(value))


def coalesce(*values: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=values[0], expressions=list(values[1:]))


def case(pairs: list[tuple[exp.Expr, exp.Expr]], default: exp.Expr | None = None) -> exp.Expr:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in pairs], default=default)


DOUBLE = exp.DataType.build("double")
BIGINT = exp.DataType.build("bigint")
VARCHAR = exp.DataType.build("varchar")


def regex_for_sql(pattern: str, node: object, text: str) -> str:
    """A Logs Insights regex as RE2/Java accept it: named groups unnamed (trailq extracts groups by
    position), constructs only one side has (lookaround, backreferences) refused."""
    from trailq.lang.regex import regex_to_python

    python = regex_to_python(pattern)
    if re.search(r"\(\?<?[=!]|\\[1-9]", python):
        raise NotCompilable("lookaround and backreferences have no SQL regex equivalent", span=getattr(node, "span", A.NO_SPAN), text=text)
    try:
        re.compile(python)
    except re.error as exc:
        raise NotCompilable(f"invalid regex: {exc}", span=getattr(node, "span", A.NO_SPAN), text=text) from None
    return re.sub(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>", "(", python)


def glob_to_regex(pattern: str) -> str:
    """A parse glob as a regex, the interpreter's rule: unanchored, every `*` lazy but a final one."""
    parts = pattern.split("*")
    out = ""
    for i, part in enumerate(parts):
        out += re.escape(part)
        if i < len(parts) - 1:
            out += "(.*)" if i == len(parts) - 2 and parts[-1] == "" else "(.*?)"
    return out


class ExpressionCompiler:
    """Compiles expressions against the columns of the current relation (name → kind)."""

    def __init__(self, query: A.Query, dialect: Dialect, columns: dict[str, str], *, in_stats: bool = False,
                 bin_offset_ms: int = 0, constants: dict[str, A.Expr] | None = None,
                 aggregates: Callable[[ExpressionCompiler, A.Call], Typed] | None = None) -> None:
        # In stats: earlier aggregations of the same stats by alias (`count(*) as n, ..., n - errors`).
        self.stats_aliases: dict[str, Typed] = {}
        self.query = query
        self.dialect = dialect
        self.columns = columns
        self.in_stats = in_stats
        self.bin_offset_ms = bin_offset_ms
        # Columns set (by fields/display) from constant expressions: name → that expression.
        self.constants = constants if constants is not None else {}
        self.node: object = None  # the expression being compiled, for the caret of a refusal
        # How stats' aggregations compile (sql/aggregates.py, handed in by the compiler: that module
        # builds on this one, so this one does not import it).
        self.aggregates = aggregates

    def refuse(self, node: object, message: str) -> NotCompilable:
        return NotCompilable(message, span=getattr(node, "span", A.NO_SPAN), text=self.query.text,
                             hint="run it with the interpreter (the default engine) or on CloudWatch")

    def compile(self, node: A.Expr) -> Typed:
        if not isinstance(node, A.Field) and self.columns:
            # After stats, `sort count(*)` names the column `count(*)`.
            name = expression_name(node, self.query)
            if name in self.columns and not self.in_stats:
                return Typed(exp.column(name, quoted=True), self.columns[name])
        method: Callable[[A.Expr], Typed] | None = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.refuse(node, f"{type(node).__name__.lower()} expressions cannot be compiled to SQL")
        outer, self.node = self.node, node
        try:
            return method(node)
        finally:
            self.node = outer

    def refuse_list(self, value: Typed) -> None:
        if value.kind == LIST:
            raise self.refuse(self.node, "a list can only be indexed (list[0]) in SQL")

    # -- constants ------------------------------------------------------------------------------

    def is_constant(self, node: A.Expr) -> bool:
        """Literals, foldable calls and indexes over them, and fields set from such expressions."""
        for part in walk(node):
            if isinstance(part, A.Field):
                if part.name not in self.constants:
                    return False
            elif isinstance(part, A.Call):
                if part.name.lower() not in FOLDABLE:
                    return False
            elif not isinstance(part, (A.String, A.Number, A.ListLiteral, A.Index, A.Unary, A.Binary)):
                return False
        return True

    def fold(self, node: A.Expr) -> Value:
        """The value of a constant expression, computed by the interpreter itself (so it is its value)."""
        from trailq.engine.expressions import Compiler, Row, RunContext

        evaluate = Compiler(RunContext(self.query, now_ms=0))
        values: dict[str, Value] = {}
        for field in field_refs(node):
            values[field.name] = self.fold(self.constants[field.name])
        return evaluate.compile(node)(Row(None, values))

    # -- coercions ----------------------------------------------------------------------------

    def as_number(self, value: Typed) -> exp.Expr:
        self.refuse_list(value)
        if value.kind in (NUMBER, TIME, NULL):
            return value.sql
        if value.kind == BOOL:
            return case([(value.sql, number(1))], number(0))
        return exp.TryCast(this=value.sql, to=DOUBLE)

    def boolean_number(self, value: Typed) -> exp.Expr:
        """A boolean as 1/0, and text `true`/`false` (any case) too; other text as a number."""
        if value.kind != TEXT:
            return self.as_number(value)
        word = exp.Lower(this=exp.Trim(this=value.sql))
        return case([(exp.EQ(this=word, expression=exp.Literal.string("true")), number(1)),
                     (exp.EQ(this=word, expression=exp.Literal.string("false")), number(0))],
                    exp.TryCast(this=value.sql, to=DOUBLE))

    def as_text(self, value: Typed) -> exp.Expr:
        self.refuse_list(value)
        if value.kind in (TEXT, NULL):
            return value.sql
        if value.kind == TIME:
            return self.dialect.format_time_ms(value.sql)
        if value.kind == BOOL:
            return case([(value.sql, exp.Literal.string("1"))], exp.Literal.string("0"))
        return exp.Cast(this=value.sql, to=VARCHAR)

    def truth(self, value: Typed) -> exp.Expr:
        """The interpreter's truth: null false, numbers non-zero, numeric text by value, the text `false`
        false, other text non-empty."""
        self.refuse_list(value)
        if value.kind == BOOL:
            # Comparisons, matches and not/and/or are never null already.
            if isinstance(value.sql, (exp.Coalesce, exp.Not, exp.Paren, exp.Is, exp.Boolean)):
                return value.sql
            return coalesce(value.sql, exp.false())
        if value.kind in (NUMBER, TIME):
            return coalesce(exp.NEQ(this=value.sql, expression=number(0)), exp.false())
        if value.kind == NULL:
            return exp.false()
        as_double = exp.TryCast(this=value.sql, to=DOUBLE)
        is_false = exp.EQ(this=exp.Lower(this=exp.Trim(this=value.sql)), expression=exp.Literal.string("false"))
        return case([(not_null(as_double), exp.NEQ(this=as_double, expression=number(0))), (is_false, exp.false())],
                    coalesce(exp.NEQ(this=value.sql, expression=exp.Literal.string("")), exp.false()))

    def unify(self, values: list[Typed]) -> tuple[list[exp.Expr], str]:
        """Branches of coalesce/if/case as one kind: their own when they agree, else text."""
        for value in values:
            self.refuse_list(value)
        kinds = {v.kind for v in values if v.kind != NULL}
        if len(kinds) <= 1:
            return [v.sql for v in values], (kinds.pop() if kinds else NULL)
        if kinds <= {NUMBER, BOOL}:
            return [self.as_number(v) for v in values], NUMBER
        return [self.as_text(v) for v in values], TEXT

    # -- leaves -------------------------------------------------------------------------------

    def _Field(self, node: A.Field) -> Typed:
        if self.in_stats and node.name in self.stats_aliases:
            return self.stats_aliases[node.name]
        kind = self.columns.get(node.name)
        if kind is None:
            return Typed(exp.Null(), NULL)
        return Typed(exp.column(node.name, quoted=True), kind)

    def _String(self, node: A.String) -> Typed:
        return Typed(exp.Literal.string(node.value), TEXT)

    def _Number(self, node: A.Number) -> Typed:
        return Typed(number(node.value), NUMBER)

    def _Boolean(self, node: A.Boolean) -> Typed:
        return Typed(exp.true() if node.value else exp.false(), BOOL)

    def _Placeholder(self, node: A.Placeholder) -> Typed:
        raise self.refuse(node, f"parameter {{{{{node.name}}}}} has no value")

    # -- operators ----------------------------------------------------------------------------

    def _Unary(self, node: A.Unary) -> Typed:
        operand = self.compile(node.operand)
        if node.op == "not":
            return Typed(exp.Not(this=self.truth(operand)), BOOL)
        return Typed(exp.Neg(this=self.as_number(operand)), NUMBER)

    def _Binary(self, node: A.Binary) -> Typed:
        left, right = self.compile(node.left), self.compile(node.right)
        if node.op in ("and", "or"):
            joined = exp.And if node.op == "and" else exp.Or
            return Typed(exp.Paren(this=joined(this=self.truth(left), expression=self.truth(right))), BOOL)
        if node.op in COMPARISONS:
            return Typed(self.comparison(node.op, left, right), BOOL)
        a, b = self.as_number(left), self.as_number(right)
        if node.op == "+":
            return Typed(exp.Paren(this=exp.Add(this=a, expression=b)), NUMBER)
        if node.op == "-":
            return Typed(exp.Paren(this=exp.Sub(this=a, expression=b)), NUMBER)
        if node.op == "*":
            return Typed(exp.Paren(this=exp.Mul(this=a, expression=b)), NUMBER)
        # Division and modulo by zero are null, as in the interpreter (non-finite results are null).
        divisor = exp.Nullif(this=exp.Cast(this=b, to=DOUBLE), expression=number(0))
        if node.op == "/":
            return Typed(exp.Paren(this=exp.Div(this=exp.Cast(this=a, to=DOUBLE), expression=divisor)), NUMBER)
        if node.op == "%":
            return Typed(exp.Paren(this=exp.Mod(this=exp.Cast(this=a, to=DOUBLE), expression=divisor)), NUMBER)
        if node.op == "^":
            return Typed(exp.Pow(this=exp.Cast(this=a, to=DOUBLE), expression=b), NUMBER)
        raise self.refuse(node, f"operator {node.op} cannot be compiled to SQL")

    def comparison(self, op: str, left: Typed, right: Typed) -> exp.Expr:
        self.refuse_list(left)
        self.refuse_list(right)
        if NULL in (left.kind, right.kind):
            return exp.true() if op == "!=" else exp.false()
        if {left.kind, right.kind} == {BOOL, TEXT}:
            # The interpreter's rule: the text `true`/`false` (a JSON boolean) compares as a boolean.
            a, b = self.boolean_number(left), self.boolean_number(right)
        elif left.kind in NUMERIC_KINDS or right.kind in NUMERIC_KINDS:
            a, b = self.as_number(left), self.as_number(right)
        else:
            a, b = left.sql, right.sql
        compared = COMPARISONS[op](this=a, expression=b)
        # A comparison with a missing value is false; `!=` is true (semantics.md).
        return coalesce(compared, exp.true() if op == "!=" else exp.false())

    def _regex_match(self, text: Typed, pattern: A.Expr) -> exp.Expr:
        if isinstance(pattern, A.Regex):
            source = regex_for_sql(pattern.pattern, pattern, self.query.text)
        elif isinstance(pattern, A.String):
            source = regex_for_sql(pattern.value, pattern, self.query.text)
        else:
            raise self.refuse(pattern, "a match needs a /regex/ or a string")
        return coalesce(self.dialect.regex_like(self.as_text(text), source), exp.false())

    def _Like(self, node: A.Like) -> Typed:
        operand = self.compile(node.operand)
        if isinstance(node.pattern, A.String):
            found = exp.GT(this=exp.StrPosition(this=self.as_text(operand), substr=exp.Literal.string(node.pattern.value)),
                           expression=number(0))
            matched = coalesce(found, exp.false())
        else:
            matched = self._regex_match(operand, node.pattern)
        return Typed(exp.Not(this=matched) if node.negated else matched, BOOL)

    def _Match(self, node: A.Match) -> Typed:
        return Typed(self._regex_match(self.compile(node.operand), node.pattern), BOOL)

    def _In(self, node: A.In) -> Typed:
        if not isinstance(node.items, A.ListLiteral):
            raise self.refuse(node.items, "`in` needs a [list] in SQL")
        operand = self.compile(node.operand)
        tests = [self.comparison("=", operand, self.compile(item)) for item in node.items.items]
        found: exp.Expr = exp.false()
        for test in tests:
            found = test if found == exp.false() else exp.Or(this=found, expression=test)
        found = exp.Paren(this=found)
        return Typed(exp.Not(this=found) if node.negated else found, BOOL)

    def _Index(self, node: A.Index) -> Typed:
        base = self.compile(node.base)
        if base.kind != LIST:
            raise self.refuse(node, "only a list (split()) can be indexed in SQL")
        position = exp.Cast(this=self.as_number(self.compile(node.index)), to=BIGINT)
        # 0-based as in the interpreter; outside the list: no value (Trino's element_at refuses 0).
        item = self.dialect.list_item(base.sql, exp.Add(this=position, expression=number(1)))
        return Typed(case([(exp.GTE(this=position, expression=number(0)), item)]), TEXT)

    # -- calls --------------------------------------------------------------------------------

    def _Call(self, node: A.Call) -> Typed:
        name = node.name.lower()
        if lang_functions.is_aggregate(node.name):
            if not self.in_stats or self.aggregates is None:
                raise self.refuse(node, f"{node.name}() can only be used in stats")
            return self.aggregates(self, node)
        handler = SCALARS.get(name)
        if handler is None:
            raise self.refuse(node, f"{node.name}() cannot be compiled to SQL")
        return handler(self, node)

    def args(self, node: A.Call) -> list[Typed]:
        return [self.compile(arg) for arg in node.args]

    def time_floor(self, epoch_ms: exp.Expr, period: A.Expr, offset_ms: int = 0) -> exp.Expr:
        if not isinstance(period, A.Duration):
            raise self.refuse(period, "a time period such as 5m is needed here")
        from trailq.engine.functions_time import Period, capped

        # The documented caps of bin() apply (bin(300s) acts as 60 seconds), as in the interpreter.
        effective = capped(Period(period.amount, period.canonical_unit))
        unit, amount = effective.unit, effective.amount
        if unit in CALENDAR_UNITS:
            if amount != 1 or offset_ms:
                raise self.refuse(period, "calendar periods other than 1mo, 1q, 1y cannot be compiled to SQL")
            return self.dialect.calendar_floor_ms(epoch_ms, unit)
        size = max(int(amount * FIXED_UNITS_MS[unit]), 1)
        anchor = WEEK_ANCHOR_MS if unit == "w" else 0
        anchor = (anchor + offset_ms) % size
        shifted = exp.Sub(this=epoch_ms, expression=number(anchor)) if anchor else epoch_ms
        buckets = exp.Floor(this=exp.Div(this=exp.Cast(this=shifted, to=DOUBLE), expression=number(size)))
        floored = exp.Mul(this=exp.Cast(this=buckets, to=BIGINT), expression=number(size))
        return exp.Paren(this=exp.Add(this=floored, expression=number(anchor))) if anchor else floored


COMPARISONS = {"=": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}


# -- scalar functions (name as lower-cased canonical name → compiler) ---------------------------


def _ispresent(c: ExpressionCompiler, node: A.Call) -> Typed:
    return Typed(not_null(c.compile(node.args[0]).sql), BOOL)


def _isempty(c: ExpressionCompiler, node: A.Call) -> Typed:
    value = c.compile(node.args[0])
    text = c.as_text(value)
    return Typed(exp.Paren(this=exp.Or(this=is_null(text), expression=exp.EQ(this=text, expression=exp.Literal.string("")))), BOOL)


def _isblank(c: ExpressionCompiler, node: A.Call) -> Typed:
    text = c.as_text(c.compile(node.args[0]))
    blank = exp.EQ(this=exp.Trim(this=text), expression=exp.Literal.string(""))
    return Typed(exp.Paren(this=exp.Or(this=is_null(text), expression=blank)), BOOL)


def _coalesce(c: ExpressionCompiler, node: A.Call) -> Typed:
    values, kind = c.unify(c.args(node))
    return Typed(coalesce(*values), kind)


def _if(c: ExpressionCompiler, node: A.Call) -> Typed:
    condition = c.compile(node.args[0])
    branches = [c.compile(arg) for arg in node.args[1:]]
    values, kind = c.unify(branches)
    return Typed(case([(c.truth(condition), values[0])], values[1] if len(values) > 1 else None), kind)


def _case(c: ExpressionCompiler, node: A.Call) -> Typed:
    args = list(node.args)
    default_node = args.pop() if len(args) % 2 else None
    conditions = [c.truth(c.compile(args[i])) for i in range(0, len(args), 2)]
    results = [c.compile(args[i + 1]) for i in range(0, len(args), 2)]
    values, kind = c.unify(results + ([c.compile(default_node)] if default_node is not None else []))
    default = values[len(results)] if default_node is not None else None
    return Typed(case(list(zip(conditions, values[: len(results)])), default), kind)


def _text_function(build: Callable[[exp.Expr], exp.Expr]) -> Callable[[ExpressionCompiler, A.Call], Typed]:
    def compile_call(c: ExpressionCompiler, node: A.Call) -> Typed:
        return Typed(build(c.as_text(c.compile(node.args[0]))), TEXT)

    return compile_call


def _one_argument(compile_call: Callable[[ExpressionCompiler, A.Call], Typed]) -> Callable[[ExpressionCompiler, A.Call], Typed]:
    def checked(c: ExpressionCompiler, node: A.Call) -> Typed:
        if len(node.args) > 1:
            raise c.refuse(node.args[1], f"{node.name}() with a character list cannot be compiled to SQL")
        return compile_call(c, node)

    return checked


def _concat(c: ExpressionCompiler, node: A.Call) -> Typed:
    # Missing arguments are skipped; all missing is null (semantics.md, concat).
    texts = [c.as_text(v) for v in c.args(node)]
    joined: exp.Expr = coalesce(texts[0], exp.Literal.string(""))
    for text in texts[1:]:
        joined = exp.DPipe(this=joined, expression=coalesce(text, exp.Literal.string("")))
    all_missing: exp.Expr = is_null(texts[0])
    for text in texts[1:]:
        all_missing = exp.And(this=all_missing, expression=is_null(text))
    return Typed(case([(all_missing, exp.Null())], joined), TEXT)


def _strlen(c: ExpressionCompiler, node: A.Call) -> Typed:
    return Typed(exp.Length(this=c.as_text(c.compile(node.args[0]))), NUMBER)


def _substr(c: ExpressionCompiler, node: A.Call) -> Typed:
    # 0-based start, clamped at 0, as in the interpreter; SQL's SUBSTR is 1-based.
    text = c.as_text(c.compile(node.args[0]))
    start = exp.Greatest(this=exp.Cast(this=c.as_number(c.compile(node.args[1])), to=BIGINT), expressions=[number(0)])
    one_based = exp.Add(this=start, expression=number(1))
    if len(node.args) < 3:
        return Typed(exp.Substring(this=text, start=one_based), TEXT)
    length = exp.Greatest(this=exp.Cast(this=c.as_number(c.compile(node.args[2])), to=BIGINT), expressions=[number(0)])
    return Typed(exp.Substring(this=text, start=one_based, length=length), TEXT)


def _position_test(at_start: bool) -> Callable[[ExpressionCompiler, A.Call], Typed]:
    def compile_call(c: ExpressionCompiler, node: A.Call) -> Typed:
        if len(node.args) > 2:
            raise c.refuse(node.args[2], "the case-insensitive flag cannot be compiled to SQL")
        text, needle = c.as_text(c.compile(node.args[0])), c.as_text(c.compile(node.args[1]))
        position = exp.StrPosition(this=text, substr=needle)
        hit = exp.EQ(this=position, expression=number(1)) if at_start else exp.GT(this=position, expression=number(0))
        return Typed(case([(hit, number(1)), (not_null(position), number(0))]), NUMBER)

    return compile_call


def _replace(c: ExpressionCompiler, node: A.Call) -> Typed:
    text, search, repl = (c.as_text(v) for v in c.args(node))
    return Typed(call("replace", text, search, repl), TEXT)


def _split(c: ExpressionCompiler, node: A.Call) -> Typed:
    delimiter = node.args[1] if len(node.args) > 1 else None
    if not isinstance(delimiter, A.String) or not delimiter.value:
        raise c.refuse(delimiter or node, "split() needs a quoted, non-empty delimiter in SQL")
    return Typed(exp.Split(this=c.as_text(c.compile(node.args[0])), expression=exp.Literal.string(delimiter.value)), LIST)


def _number_function(build: Callable[[exp.Expr], exp.Expr]) -> Callable[[ExpressionCompiler, A.Call], Typed]:
    def compile_call(c: ExpressionCompiler, node: A.Call) -> Typed:
        return Typed(build(c.as_number(c.compile(node.args[0]))), NUMBER)

    return compile_call


def _bin(c: ExpressionCompiler, node: A.Call) -> Typed:
    timestamp = c.columns.get("@timestamp")
    if timestamp is None:
        return Typed(exp.Null(), NULL)
    return Typed(c.time_floor(exp.column("@timestamp", quoted=True), node.args[0], c.bin_offset_ms), TIME)


def _datefloor(c: ExpressionCompiler, node: A.Call) -> Typed:
    moment = c.compile(node.args[0])
    if moment.kind != TIME:
        raise c.refuse(node.args[0], "datefloor() needs a time such as @timestamp in SQL")
    return Typed(c.time_floor(moment.sql, node.args[1]), TIME)


def _from_millis(c: ExpressionCompiler, node: A.Call) -> Typed:
    return Typed(exp.Cast(this=c.as_number(c.compile(node.args[0])), to=BIGINT), TIME)


def _to_millis(c: ExpressionCompiler, node: A.Call) -> Typed:
    moment = c.compile(node.args[0])
    if moment.kind not in (TIME, NUMBER, NULL):
        # The interpreter reads an ISO 8601 text (`eventTime`) as a time; refused rather than answered differently.
        raise c.refuse(node.args[0], "toMillis() needs a time such as @timestamp in SQL")
    return Typed(moment.sql, NUMBER)


_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
DOTTED_QUAD = rf"^{_OCTET}(\.{_OCTET}){{3}}$"


def _ip_in_subnet(c: ExpressionCompiler, node: A.Call) -> Typed:
    """IPv4 only: the address as a number between the network's first and last address. The subnet
    is a literal, or a constant the compiler folds (`networks[0]` of `split("a,b", ",") as networks`)."""
    subnet_node = node.args[1]
    if isinstance(subnet_node, A.String):
        subnet: object = subnet_node.value
    elif c.is_constant(subnet_node):
        subnet = c.fold(subnet_node)
    else:
        raise c.refuse(subnet_node, "isIpInSubnet() needs the subnet as a quoted literal (or a constant) in SQL")
    try:
        network = ipaddress.ip_network(subnet, strict=False) if isinstance(subnet, str) else None
    except ValueError:
        network = None
    if network is None:
        return Typed(exp.false(), BOOL)  # no subnet, or not one: false, as in the interpreter
    if network.version != 4:
        raise c.refuse(subnet_node, "IPv6 subnets cannot be compiled to SQL")
    text = c.as_text(c.compile(node.args[0]))
    octets = [exp.TryCast(this=c.dialect.split_part(text, ".", i), to=BIGINT) for i in range(1, 5)]
    value: exp.Expr = octets[0]
    for octet in octets[1:]:
        value = exp.Paren(this=exp.Add(this=exp.Mul(this=value, expression=number(256)), expression=octet))
    dotted = c.dialect.regex_like(text, DOTTED_QUAD)
    inside = exp.Between(this=value, low=number(int(network.network_address)), high=number(int(network.broadcast_address)))
    return Typed(coalesce(exp.And(this=dotted, expression=inside), exp.false()), BOOL)


SCALARS: dict[str, Callable[[ExpressionCompiler, A.Call], Typed]] = {
    "ispresent": _ispresent,
    "isempty": _isempty,
    "isblank": _isblank,
    "coalesce": _coalesce,
    "if": _if,
    "case": _case,
    "tolower": _text_function(lambda t: exp.Lower(this=t)),
    "toupper": _text_function(lambda t: exp.Upper(this=t)),
    "trim": _one_argument(_text_function(lambda t: exp.Trim(this=t))),
    "ltrim": _one_argument(_text_function(lambda t: call("ltrim", t))),
    "rtrim": _one_argument(_text_function(lambda t: call("rtrim", t))),
    "concat": _concat,
    "strlen": _strlen,
    "substr": _substr,
    "startswith": _position_test(at_start=True),
    "strcontains": _position_test(at_start=False),
    "replace": _replace,
    "split": _split,
    "abs": _number_function(lambda n: exp.Abs(this=n)),
    "floor": _number_function(lambda n: exp.Floor(this=n)),
    "ceil": _number_function(lambda n: exp.Ceil(this=n)),
    "bin": _bin,
    "datefloor": _datefloor,
    "frommillis": _from_millis,
    "tomillis": _to_millis,
    "isipinsubnet": _ip_in_subnet,
}
