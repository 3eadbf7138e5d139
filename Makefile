# Two commands for a fresh machine: `make demo` and `make test`; `make lint` checks style and types.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp files record which install the venv holds, so `make test` after `make demo` adds the extras.
$(VENV)/.demo: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.demo

# The sign-in audit on the bundled sample trail: one table per story, then the CI checks,
# which must find the sample's planted problems (root creating an access key in the console, a
# password reset then sign-in then access key, spraying, brute force then success, a sign-in from a
# new IP, sign-ins without MFA): exit 1 = findings; anything else, including 0, fails the demo.
DEMO_QUERIES := console-login-regions failed-login-bursts console-login-failures console-logins-without-mfa \
                root-console-logins root-activity cis-root-usage switch-role identity-center-signins \
                federated-console-logins password-spraying brute-force-success-by-ip brute-force-success-by-user \
                multi-ip-console-logins credential-changes account-takeover-chain

demo: $(VENV)/.demo
	$(BIN)/trailq list
	$(BIN)/trailq run $(DEMO_QUERIES) --sample
	$(BIN)/trailq check --sample; test $$? -eq 1

test: $(VENV)/.test
	$(BIN)/python -m pytest

# ruff (lint and import order) over all Python in the repository; mypy over src/trailq with the
# settings of pyproject.toml ([tool.mypy]: strict on lang/ and engine/, checked elsewhere).
LINT_PATHS := src tests bench scripts

lint: $(VENV)/.test
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) dist build
