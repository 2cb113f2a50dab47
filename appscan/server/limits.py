"""Per-key limits of the upload service: a request rate and a number of uploads in flight per API key.

One key must not be able to starve the others (an app store's upload front end shares the service with its
reviewers' tools) or hold every connection with slow bodies. Both limits are kept in the service's memory: they
protect one service process, which is how ``appscan serve`` runs. Exceeding either answers 429 with Retry-After.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["KeyLimits", "RateLimited"]


class RateLimited(Exception):
    """A key went over one of its limits; ``retry_after`` is the seconds to wait."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class KeyLimits:
    """A token bucket of ``per_minute`` requests per key (bursts up to that many), and at most
    ``uploads_at_once`` upload bodies being received per key."""

    def __init__(self, per_minute: int, uploads_at_once: int) -> None:
        self.per_minute, self.uploads_at_once = per_minute, uploads_at_once
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}
        """Key id -> (tokens left, when last refilled)."""
        self._uploading: dict[str, int] = {}

    def request(self, key_id: str) -> None:
        """Take one request from the key's bucket; ``RateLimited`` when it is empty."""
        now = time.monotonic()
        rate = self.per_minute / 60
        with self._lock:
            tokens, then = self._buckets.get(key_id, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            if tokens < 1:
                self._buckets[key_id] = (tokens, now)
                raise RateLimited(f"over {self.per_minute} requests a minute for this key",
                                  max(1, math.ceil((1 - tokens) / rate)))
            self._buckets[key_id] = (tokens - 1, now)

    @contextmanager
    def upload(self, key_id: str) -> Iterator[None]:
        """Hold one of the key's upload slots while a body is received; ``RateLimited`` when all are taken."""
        with self._lock:
            held = self._uploading.get(key_id, 0)
            if held >= self.uploads_at_once:
                raise RateLimited(f"{held} uploads of this key are already being received", 5)
            self._uploading[key_id] = held + 1
        try:
            yield
        finally:
            with self._lock:
                self._uploading[key_id] -= 1
