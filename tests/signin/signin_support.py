"""Shared helpers for the sign-in pack tests: the built-in catalog and a local run of one query."""

from __future__ import annotations

from pathlib import Path

import pytest

from trailq import catalog
from trailq.result import Result

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHAPES = HERE / "fixtures" / "signin-shapes.json"
SAMPLE = REPO / "src" / "trailq" / "data" / "sample"
PUBLISHED = REPO.parent / "shared" / "fixtures" / "cloudtrail"

BUILTIN_NAMES = (
    "console-logins", "console-login-failures", "console-logins-without-mfa", "root-activity", "root-console-logins",
    "switch-role", "federated-console-logins", "identity-center-signins", "signin-events", "login-summary-by-user",
    "login-summary-by-ip", "console-login-regions", "failed-login-bursts",
    # second edition
    "cis-root-usage", "brute-force-success-by-ip", "brute-force-success-by-user", "password-guessing", "password-spraying",
    "multi-ip-console-logins", "signins-outside-allowed-networks", "signins-outside-working-hours", "credential-changes",
    "account-takeover-chain", "identity-center-signins-without-mfa", "suspicious-federation",
)
ATTACKS = HERE / "fixtures" / "signin-attacks.json"
UNTIMED = HERE / "fixtures" / "signin-untimed.json"


def builtin() -> catalog.Catalog:
    return catalog.load(include_cwd=False)


def engine_or_skip():
    """The parser and local engine, or a skip while another helper is still building them."""
    from trailq import lang

    try:
        from trailq import engine
    except ImportError as exc:  # pragma: no cover - only while the engine package is incomplete
        pytest.skip(f"local engine not importable yet: {exc}")
    if not hasattr(lang, "parse") or not hasattr(engine, "run_local"):
        pytest.skip("trailq.lang.parse / trailq.engine.run_local have not landed yet")
    return lang, engine


def run_builtin(name: str, sources: list[str], params: dict[str, str] | None = None) -> Result:
    """Render a built-in query with its parameters and run it on local files."""
    lang, engine = engine_or_skip()
    text = builtin().get(name).render(params or {})
    return engine.run_local(lang.parse(text), name=name, sources=sources, time_range=None)
