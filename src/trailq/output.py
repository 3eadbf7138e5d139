"""The import path DESIGN.md gives for `reporting/output.py`, kept for code written against that layout:
`trailq.output` is the very module `trailq.reporting.output` (one module object, so patching either patches both)."""

import sys

from trailq.reporting import output as _module

sys.modules[__name__] = _module
