"""Every built-in query goes to CloudWatch Logs Insights unchanged (the project's fake service) and is
within the service's limits; and each runs on the bundled sample locally."""

from __future__ import annotations

import time

import pytest
from aws_support import T0, endpoints, fan_out
from fakelogs import FakeLogs
from signin_support import BUILTIN_NAMES, SAMPLE, builtin, engine_or_skip, run_builtin

ACCOUNT = "111111111111"
MAX_QUERY_CHARS = 10_000  # StartQuery queryString maximum
MAX_CASE_BRANCHES = 10  # the documented ceiling of case()


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_the_rendered_text_is_what_cloudwatch_receives(name):
    text = builtin().get(name).render({})
    assert len(text) < MAX_QUERY_CHARS
    fake = FakeLogs()
    fake.add_events(ACCOUNT, "us-east-1", "trail", [T0 * 1000 + 1000 * i for i in range(20)])
    outcome = fan_out([(name, text)], endpoints(fake, [ACCOUNT], ["us-east-1"])).execute()
    result = outcome.results[0]
    assert result.ok, result.error
    assert [q.text for q in fake.queries.values()] == [text]


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_only_documented_functions_and_short_cases(name):
    lang, _ = engine_or_skip()
    from trailq.lang import ast

    def walk(node):
        yield node
        for value in getattr(node, "__dict__", {}).values():
            children = value if isinstance(value, (list, tuple)) else [value]
            for child in children:
                if hasattr(child, "__dict__") and type(child).__module__.startswith("trailq.lang"):
                    yield from walk(child)

    query = lang.parse(builtin().get(name).render({}))
    calls = [n for n in walk(query) if isinstance(n, ast.Call)]
    assert calls or name in ("switch-role",), name
    for call in calls:
        if call.name.lower() == "case":
            assert len(call.args) <= 2 * MAX_CASE_BRANCHES + 1, (name, len(call.args))


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_runs_on_the_sample(name):
    started = time.perf_counter()
    result = run_builtin(name, [str(SAMPLE)])
    assert result.ok and result.warnings == [], (result.error, result.warnings)
    # the timing itself is measured by bench/, not asserted here; record it for `-s` runs
    print(f"{name}: {time.perf_counter() - started:.2f}s, {len(result.rows)} rows")

