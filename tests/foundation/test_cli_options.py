"""The typed options of `run`/`check` and the flags each kind of run refuses (derived from the
options' tags in cli/run.py and cli/base.py): every refusal keeps its exact message."""

from __future__ import annotations

import dataclasses

import click
import pytest
from click.testing import CliRunner

from trailq.cli import main
from trailq.cli.base import ATHENA, LOCAL, RESUME, RunOptions, ScopedOption
from trailq.cli.run import check, run
from trailq.lang.commands import MAX_LIMIT
from trailq.reporting.output import FORMATS

# A value for each refused flag (None: a flag without value).
VALUES = {"-p/--param": "user=bob", "--since": "1h", "--start": "2h", "--end": "now", "--log-group": "g",
          "--discover": None, "--limit": "5", "--state": "state.json", "--console-url": None, "--strict": None,
          "--region": "us-east-1", "--profile": "p", "--role-arn": "arn:aws:iam::1:role/x", "--source": "x.json",
          "--sample": None}

REFUSED = {
    RESUME: ["-p/--param", "--since", "--start", "--end", "--strict", "--log-group", "--discover", "--limit", "--state",
             "--console-url"],
    LOCAL: ["--log-group", "--discover", "--region", "--profile", "--role-arn", "--limit", "--console-url"],
    ATHENA: ["--source", "--sample", "--strict", "--log-group", "--discover", "--limit", "--console-url"],
}


def _refused_by(command: click.Command, run_kind: str) -> list[str]:
    return ["/".join(p.opts) for p in command.params if isinstance(p, ScopedOption) and run_kind in p.refused_with]


def test_the_options_object_has_one_field_per_parameter_of_run_and_check() -> None:
    names = {p.name for command in (run, check) for p in command.params}
    assert {f.name for f in dataclasses.fields(RunOptions)} == names


@pytest.mark.parametrize("run_kind", [RESUME, LOCAL, ATHENA])
def test_the_refused_flags_come_from_the_option_tags(run_kind: str) -> None:
    assert _refused_by(run, run_kind) == REFUSED[run_kind]


def _args(flag: str) -> list[str]:
    value = VALUES[flag]
    return [flag.split("/")[-1]] + ([] if value is None else [value])


@pytest.mark.parametrize("flag", REFUSED[RESUME])
def test_resume_refuses_each_flag_with_its_message(flag: str) -> None:
    result = CliRunner().invoke(main, ["run", "--resume", "q-1", "--region", "us-east-1", *_args(flag)])
    assert result.exit_code == 2
    assert f"{flag} does not apply to --resume (the query already ran with its own)" in result.output


@pytest.mark.parametrize("flag", REFUSED[LOCAL])
def test_local_runs_refuse_each_cloudwatch_flag_with_its_message(flag: str) -> None:
    result = CliRunner().invoke(main, ["run", "console-logins", "--sample", *_args(flag)])
    assert result.exit_code == 2
    assert f"{flag} applies to CloudWatch runs, not to --source/--sample" in result.output


@pytest.mark.parametrize("flag", REFUSED[ATHENA])
def test_athena_runs_refuse_each_flag_with_its_message(flag: str) -> None:
    result = CliRunner().invoke(main, ["run", "console-logins", "--athena", "default.cloudtrail", *_args(flag)])
    assert result.exit_code == 2
    assert f"{flag} does not apply to --athena runs" in result.output


def test_format_choices_and_limit_bound_come_from_their_one_definition() -> None:
    params = {p.name: p for p in run.params}
    fmt, limit = params["fmt"], params["limit"]
    assert isinstance(fmt.type, click.Choice) and tuple(fmt.type.choices) == FORMATS
    assert isinstance(limit.type, click.IntRange) and limit.type.max == MAX_LIMIT
