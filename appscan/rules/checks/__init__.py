"""The checks that finding rules name, one module per family; importing this package registers them all."""

from __future__ import annotations

from appscan.rules.checks import manifest, network, permissions, policy_gap, privacy, texts

__all__ = ["manifest", "network", "permissions", "policy_gap", "privacy", "texts"]
