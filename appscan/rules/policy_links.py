"""Which URLs in an APK point to its privacy policy: recorded in the scan (never fetched: scans are offline)."""

from __future__ import annotations

import re

from appscan.model import ApkFacts

__all__ = ["policy_urls"]

_POLICY_URL = re.compile(r"privacy|policy|policies|yinsi|yszc|隐私", re.IGNORECASE)
"""Words policy pages carry in their URL: privacy, policy, 隐私 and its pinyin (yinsi, the initials yszc of 隐私政策)."""
_SCHEMES = ("http://", "https://")


def policy_urls(facts: ApkFacts) -> tuple[str, ...]:
    """The web URLs among the APK's strings, resources and code constants whose path or host names a policy."""
    return tuple(sorted(u for u in facts.resources.urls
                        if u.lower().startswith(_SCHEMES) and _POLICY_URL.search(u.split("://", 1)[1])))
