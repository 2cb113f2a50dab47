"""Preloaded by the fork server the upload service forks its scans from (``appscan.jobs.supervise.forked_scans``).

Importing this module imports the scanner and loads the bundled rules once, in the server: every scan forked from
it then starts with both in memory (``load_rulesets`` caches), instead of spending most of a second on them. The
policy vocabulary (jieba's dictionary, about 70 MB shared by every child) is built here too, or each scan given a
policy, or finding one in its APK, would spend most of a second building it again.
"""

from __future__ import annotations

from appscan import scan  # noqa: F401  (the scanner's modules, imported once in the fork server)
from appscan.policy.segment import vocabulary
from appscan.rules.loader import load_rulesets

__all__: list[str] = []

vocabulary(load_rulesets().policy)
