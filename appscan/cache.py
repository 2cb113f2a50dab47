"""Where appscan keeps what it can rebuild: per user, never a shared temporary folder that another user could fill."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["user_cache_dir"]


def user_cache_dir(*parts: str) -> Path:
    """``$XDG_CACHE_HOME/appscan/<parts>`` (``~/.cache`` without the variable); it may not exist or be writable:
    callers treat caching as best effort."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base, "appscan", *parts)
