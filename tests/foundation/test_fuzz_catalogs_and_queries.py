"""Seeded fuzzing: mutated catalogs and query texts through `validate` and `run --sample` never give
exit 70 (internal error) and never run unbounded (a generous subprocess timeout, not a speed test)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

SEED = 20261201
DRIVER = Path(__file__).with_name("fuzz_driver.py")
BOUND_SECONDS = 600  # the whole batch; each case takes well under a second normally

VALID_CATALOG = """\
version: 1
defaults: {since: 24h, log_groups: [CloudTrail/DefaultLogGroup]}
queries:
  logins:
    description: Console sign-ins
    tags: [signin, audit]
    query: |
      filter eventName = "ConsoleLogin" and userIdentity.userName like {{user}}
      | stats count(*) as n by sourceIPAddress
      | sort n desc
    params:
      user: {type: string, default: "", description: only this user}
      names: {type: list, default: [ConsoleLogin, AssumeRole]}
    check: {max_rows: 0, severity: high}
  roles:
    description: Role switches
    query: 'filter eventName in {{names}} | fields @timestamp, userIdentity.arn | limit {{n}}'
    params:
      names: {type: list, default: [SwitchRole]}
      n: {type: number, default: 10}
"""

QUERIES = [
    'filter eventName = "ConsoleLogin" | fields @timestamp, sourceIPAddress | limit 5',
    "stats count(*) as n by eventSource, bin(1h) | sort n desc | limit 3",
    'parse @message /"userAgent":"(?<ua>[^"]*)"/ | filter ispresent(ua) | fields ua | limit 3',
    'fields regexReplace(eventName, /[aeiou]/, "_") as r, strlen(eventName) * 2 ^ 3 as n | limit 3',
    "filter userAgent like /(a+)+$/ | stats count(*)",
    'fields concat(eventName, "-", awsRegion) as k | dedup k | sort k | limit 4',
]

TOKENS = ["&a ", "*a", "[", "]", "{", "}", ": ", "- ", "null", "~", "!!python/object:os.system", "\t", "\x00", "é",
          "'", '"', "|", ">", "#", "{{user}}", "{{", "}}", "%TAG ! x", "---", "...", "? ", "*b", "&b [*a, *a, *a]",
          "9" * 5000, "-dash", "a/../../b", "''"]
QUERY_TOKENS = ["|", "(", ")", "/", '"', "`", "^", "2^100000", "9" * 500, "/(a+)+$/", "/(a)\\1/", "{{x}}", "#", "\n",
                "like", "=~", "by", "as", "stats", "sort", "limit", "parse", "*", "-", "in [", "]", "@", "$", "\\",
                "bin(99999y)", "fromMillis(10^300)", "\x00", "😀"]


def _bomb(levels: int) -> str:
    inner = "&z1 [x, x, x, x, x, x, x, x, x]"
    for level in range(2, levels + 2):
        inner = f"&z{level} [{inner}, " + ", ".join([f"*z{level - 1}"] * 8) + "]"
    return inner


def mutate_catalog(rng: random.Random) -> str:
    lines = VALID_CATALOG.splitlines()
    for _ in range(rng.randint(1, 4)):
        action = rng.randrange(7)
        i = rng.randrange(len(lines))
        if action == 0 and len(lines) > 1:
            del lines[i]
        elif action == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif action == 2:
            pos = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + rng.choice(TOKENS) + lines[i][pos:]
        elif action == 3:
            lines[i] = " " * rng.randint(0, 8) + lines[i].lstrip()
        elif action == 4:  # an alias bomb under some key
            key = rng.choice(["default", "tags", "description", "log_groups", "max_rows"])
            lines.insert(i, f"{' ' * rng.choice([4, 6, 8])}{key}: {_bomb(rng.randint(3, 8))}")
        elif action == 5:
            lines = lines[: max(1, i)]
        else:
            lines[i] = lines[i].replace(":", rng.choice(["", "::", ": [", ": {"]), 1)
    text = "\n".join(lines) + "\n"
    if rng.random() < 0.2:  # a flipped bit anywhere (may break UTF-8)
        raw = bytearray(text.encode())
        raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        return raw.decode("utf-8", "surrogateescape")
    return text


def mutate_query(rng: random.Random) -> str:
    text = rng.choice(QUERIES)
    for _ in range(rng.randint(1, 3)):
        pos = rng.randrange(len(text) + 1)
        action = rng.randrange(3)
        if action == 0:
            text = text[:pos] + rng.choice(QUERY_TOKENS) + text[pos:]
        elif action == 1:
            text = text[:pos] + text[pos + rng.randint(1, 6):]
        else:
            text = text[:pos]
    return text


def test_mutated_catalogs_and_queries_never_crash_or_hang(tmp_path):
    rng = random.Random(SEED)
    cases = []
    for i in range(40):
        folder = tmp_path / f"c{i}"
        folder.mkdir()
        path = folder / "fuzz.yaml"
        path.write_bytes(mutate_catalog(rng).encode("utf-8", "surrogateescape"))
        cases.append({"args": ["validate", str(path)], "cwd": None})
        if i % 8 == 0:  # the same file as ./queries.yaml, read by every command
            (folder / "queries.yaml").write_bytes(path.read_bytes())
            cases.append({"args": ["list"], "cwd": str(folder)})
            cases.append({"args": ["run", "--sample", "--all", "--format", "json"], "cwd": str(folder)})
    for i in range(60):
        text = mutate_query(rng)
        cases.append({"args": ["validate", "--query", text], "cwd": None})
        if i % 3 == 0:  # each run reads the whole sample trail: a third of them keeps the test short
            cases.append({"args": ["run", "--sample", "--query", text, "--format", "jsonl"], "cwd": None})
    case_file = tmp_path / "cases.json"
    case_file.write_text(json.dumps(cases))
    done = subprocess.run([sys.executable, str(DRIVER), str(case_file), str(BOUND_SECONDS - 30)],
                          capture_output=True, text=True, timeout=BOUND_SECONDS, cwd=tmp_path)
    outcomes = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(outcomes) == len(cases), f"stopped after case {len(outcomes)}: {cases[len(outcomes)]}\n{done.stderr[-3000:]}"
    crashed = [(cases[o["case"]]["args"], o["stderr"]) for o in outcomes if o["exit"] == 70 or "Traceback" in o["stderr"]]
    assert not crashed, crashed[:3]
    assert {o["exit"] for o in outcomes} <= {0, 1, 2, 3, 5, 6, 7}
