"""Preloaded by the fork server the upload service forks its scans from (``appscan.supervise.forked_scans``).

Importing this module imports the scanner and loads the bundled rules once, in the server: every scan forked from
it then starts with both in memory (``load_rulesets`` caches), instead of spending most of a second on them.
"""

from __future__ import annotations

from appscan import scan  # noqa: F401  (the scanner's modules, imported once in the fork server)
from appscan.rules.loader import load_rulesets

__all__: list[str] = []

load_rulesets()
