"""The import path DESIGN.md gives for `reporting/checks.py`, kept for code written against that layout:
`trailq.checks` is the very module `trailq.reporting.checks` (one module object, so patching either patches both)."""

import sys

from trailq.reporting import checks as _module

sys.modules[__name__] = _module
