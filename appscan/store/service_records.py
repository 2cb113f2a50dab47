"""The upload service's two tables (store migration 0002): API keys (hashed) and uploads (jobs).

A key is shown once, as ``KEYID.SECRET``: the key id finds
the row, and only ``sha256(salt || secret)`` is stored, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    delete,
    insert,
    select,
    update,
)

from appscan.store.engine import Store
from appscan.store.models import Scan, ServiceApiKey, ServiceUpload

__all__ = ["KeyInfo", "Upload", "add_upload", "check_key", "create_key", "get_upload", "list_keys", "list_uploads",
           "pending_uploads", "revoke_key", "update_upload"]

api_key = ServiceApiKey.__table__
upload = ServiceUpload.__table__
scan = Scan.__table__
_with_verdict = (select(upload, scan.c.verdict, scan.c.verdict_rule)
                 .select_from(upload.outerjoin(scan, upload.c.scan_id == scan.c.id)))
"""Uploads with the verdict of the scan each became."""

TERMINAL = ("done", "failed")


@dataclass(frozen=True)
class Upload:
    """One uploaded APK and where its scan stands: ``queued``, ``done`` or ``failed``."""

    id: str
    filename: str
    path: str
    size: int
    status: str
    task_id: str | None
    scan_id: int | None
    sha256: str | None
    package: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    verdict: str | None = None
    """The verdict level of the scan the upload became (None while queued, or for scans stored before 0003)."""
    verdict_rule: str | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _hash(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("utf-8")).hexdigest()


def create_key(store: Store, name: str) -> str:
    """Create an API key and return it; it is not stored in clear and cannot be shown again."""
    key_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_hex(16)
    row = {"key_id": key_id, "name": name, "salt": salt, "secret_sha256": _hash(salt, secret),
           "created_at": _now()}
    store.write(lambda session: session.execute(insert(api_key), row))
    return f"{key_id}.{secret}"


@dataclass(frozen=True)
class KeyInfo:
    """An API key as it may be shown: never its secret (which is not stored)."""

    key_id: str
    """The part before the dot of the key: names it in ``apikey revoke``."""
    name: str
    created_at: datetime


def list_keys(store: Store) -> list[KeyInfo]:
    """Every API key, oldest first."""
    query = select(api_key.c.key_id, api_key.c.name, api_key.c.created_at).order_by(api_key.c.created_at,
                                                                                     api_key.c.key_id)
    return store.read(lambda session: [KeyInfo(*row) for row in session.execute(query)])


def revoke_key(store: Store, key_id: str) -> bool:
    """Delete the key with this id (it is refused from then on); False when there is none."""
    return bool(store.write(lambda session: session.execute(delete(api_key).where(api_key.c.key_id == key_id))
                            .rowcount))


def check_key(store: Store, key: str) -> bool:
    """True when ``key`` is one that ``create_key`` returned."""
    key_id, _, secret = key.partition(".")
    row = store.read(lambda session: session.execute(
        select(api_key.c.salt, api_key.c.secret_sha256).where(api_key.c.key_id == key_id)).first())
    return row is not None and hmac.compare_digest(_hash(row.salt, secret), row.secret_sha256)


def _upload(row: Any) -> Upload:
    return Upload(**row._mapping)


def add_upload(store: Store, filename: str, path: str, size: int) -> Upload:
    """Record a new upload, queued."""
    row = {"id": uuid.uuid4().hex, "filename": filename, "path": path, "size": size, "status": "queued",
           "created_at": _now()}
    store.write(lambda session: session.execute(insert(upload), row))
    return get_upload(store, row["id"])  # type: ignore[return-value]


def get_upload(store: Store, upload_id: str) -> Upload | None:
    """The upload with this id, or None."""
    row = store.read(lambda session: session.execute(_with_verdict.where(upload.c.id == upload_id)).first())
    return None if row is None else _upload(row)


def update_upload(store: Store, upload_id: str, **values: Any) -> None:
    """Set columns of one upload; a terminal status also stamps ``finished_at``."""
    if values.get("status") in TERMINAL:
        values["finished_at"] = _now()
    store.write(lambda session: session.execute(update(upload).where(upload.c.id == upload_id).values(**values)))


def list_uploads(store: Store, package: str | None = None, limit: int = 100) -> list[Upload]:
    """The newest uploads first; ``package`` keeps those whose package name contains it."""
    query = _with_verdict.order_by(upload.c.created_at.desc()).limit(limit)
    if package:
        query = query.where(upload.c.package.contains(package, autoescape=True))
    return store.read(lambda session: [_upload(r) for r in session.execute(query)])


def pending_uploads(store: Store) -> list[Upload]:
    """Uploads whose scan has not ended (to resubmit after a restart of a service without broker)."""
    query = _with_verdict.where(upload.c.status.not_in(TERMINAL)).order_by(upload.c.created_at)
    return store.read(lambda session: [_upload(r) for r in session.execute(query)])
