"""Rules: the validated rulesets (``catalog``, ``loader``) and the engine that applies them to extracted facts.

Nothing here imports androguard: rules read ``appscan.model`` facts only.
"""

from __future__ import annotations

from appscan.rules.catalog import Ruleset
from appscan.rules.errors import RuleLoadError
from appscan.rules.loader import load_rulesets

__all__ = ["RuleLoadError", "Ruleset", "load_rulesets"]
