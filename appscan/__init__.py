"""appscan: a static privacy scanner for Android apps (APK, split APKs, XAPK).

Data flows one way: APK -> facts (``appscan.apk``) -> findings (``appscan.rules``) -> store / reports.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
