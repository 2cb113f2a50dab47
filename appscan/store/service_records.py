"""The upload service's two tables (store migration 0002): API keys (hashed) and uploads (jobs).

A key is shown once, as ``KEYID.SECRET``: the key id finds
the row, and only ``sha256(salt || secret)`` is stored, compared in constant time.

Both belong to a tenant (migration 0006): a key reaches only its tenant's uploads, and making or revoking a key is
written to the tenant's audit log in the same transaction.
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
from sqlalchemy.orm import Session

from appscan.errors import StoreError
from appscan.store.engine import Store
from appscan.store.models import Scan, ServiceApiKey, ServiceUpload, Tenant
from appscan.store.review_records import DEFAULT_TENANT, tenant_id, write_audit

__all__ = ["KEY_ROLES", "KeyInfo", "Upload", "add_upload", "create_key", "get_upload", "key_info",
           "key_tenant", "list_keys", "list_uploads", "pending_uploads", "revoke_key", "update_upload"]

api_key = ServiceApiKey.__table__
upload = ServiceUpload.__table__
scan = Scan.__table__
tenant = Tenant.__table__
_with_verdict = (select(*(c for c in upload.c if c.name != "tenant_id"), scan.c.verdict, scan.c.verdict_rule,
                        tenant.c.name.label("tenant"))
                 .select_from(upload.outerjoin(scan, upload.c.scan_id == scan.c.id)
                              .join(tenant, tenant.c.id == upload.c.tenant_id)))
"""Uploads with the verdict of the scan each became and the name of their tenant."""

TERMINAL = ("done", "failed")
KEY_ROLES = ("reviewer", "admin")
"""What a key may do (migration 0007): a reviewer reads its tenant's scans, reviews and decides; an admin also
makes and revokes keys, reads the audit log and edits the suppressions."""


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
    tenant: str = DEFAULT_TENANT
    """The tenant that uploaded it."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _hash(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("utf-8")).hexdigest()


def create_key(store: Store, name: str, tenant_name: str = DEFAULT_TENANT, by: str = "cli",
               role: str = KEY_ROLES[0]) -> str:
    """Create an API key of a tenant (made when new) and return it; it is not stored in clear and cannot be shown
    again."""
    if role not in KEY_ROLES:
        raise StoreError(f"a key's role is one of {', '.join(KEY_ROLES)}, not {role!r}")
    key_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_hex(16)
    row = {"key_id": key_id, "name": name, "salt": salt, "secret_sha256": _hash(salt, secret),
           "created_at": _now(), "role": role}

    def run(session: Session) -> None:
        owner = tenant_id(session, tenant_name, create_by=by)
        session.execute(insert(api_key), {**row, "tenant_id": owner})
        write_audit(session, owner, by, "key.create", f"key {key_id}", {"name": name, "role": role})
    store.write(run)
    return f"{key_id}.{secret}"


@dataclass(frozen=True)
class KeyInfo:
    """An API key as it may be shown: never its secret (which is not stored)."""

    key_id: str
    """The part before the dot of the key: names it in ``apikey revoke``."""
    name: str
    created_at: datetime
    tenant: str = DEFAULT_TENANT
    role: str = KEY_ROLES[0]


_keys = (select(api_key.c.key_id, api_key.c.name, api_key.c.created_at, tenant.c.name.label("tenant"),
                api_key.c.role).join(tenant, tenant.c.id == api_key.c.tenant_id))


def list_keys(store: Store, tenant_name: str | None = None) -> list[KeyInfo]:
    """Every API key (of one tenant, when named), oldest first."""
    query = _keys.order_by(api_key.c.created_at, api_key.c.key_id)
    if tenant_name is not None:
        query = query.where(tenant.c.name == tenant_name)
    return store.read(lambda session: [KeyInfo(*row) for row in session.execute(query)])


def revoke_key(store: Store, key_id: str, tenant_name: str | None = None, by: str = "cli") -> bool:
    """Delete the key with this id (of that tenant, when named): it is refused from then on. False when there is
    none."""
    def run(session: Session) -> bool:
        query = _keys.where(api_key.c.key_id == key_id)
        found = session.execute(query if tenant_name is None else query.where(tenant.c.name == tenant_name)).first()
        if found is None:
            return False
        session.execute(delete(api_key).where(api_key.c.key_id == key_id))
        write_audit(session, tenant_id(session, found.tenant), by, "key.revoke", f"key {key_id}",
                    {"name": found.name})
        return True
    return store.write(run)


def key_info(store: Store, key: str) -> KeyInfo | None:
    """Who ``key`` is (id, name, tenant, role) when it is one that ``create_key`` returned; None for any other key.

    Read at every request, so a revoked key is refused from the next request on."""
    key_id, _, secret = key.partition(".")
    row = store.read(lambda session: session.execute(
        _keys.add_columns(api_key.c.salt, api_key.c.secret_sha256).where(api_key.c.key_id == key_id)).first())
    if row is None or not hmac.compare_digest(_hash(row.salt, secret), row.secret_sha256):
        return None
    return KeyInfo(row.key_id, row.name, row.created_at, row.tenant, row.role)


def key_tenant(store: Store, key: str) -> str | None:
    """The tenant of ``key`` when it is one that ``create_key`` returned; None for any other key."""
    info = key_info(store, key)
    return None if info is None else info.tenant


def _upload(row: Any) -> Upload:
    return Upload(**row._mapping)


def add_upload(store: Store, filename: str, path: str, size: int, tenant_name: str = DEFAULT_TENANT) -> Upload:
    """Record a new upload of a tenant, queued."""
    row = {"id": uuid.uuid4().hex, "filename": filename, "path": path, "size": size, "status": "queued",
           "created_at": _now()}
    store.write(lambda session: session.execute(insert(upload), {**row, "tenant_id": tenant_id(session,
                                                                                                tenant_name)}))
    return get_upload(store, row["id"])  # type: ignore[return-value]


def get_upload(store: Store, upload_id: str, tenant_name: str | None = None) -> Upload | None:
    """The upload with this id (of that tenant, when named: another tenant's is None too), or None."""
    query = _with_verdict.where(upload.c.id == upload_id)
    if tenant_name is not None:
        query = query.where(tenant.c.name == tenant_name)
    row = store.read(lambda session: session.execute(query).first())
    return None if row is None else _upload(row)


def update_upload(store: Store, upload_id: str, **values: Any) -> None:
    """Set columns of one upload; a terminal status also stamps ``finished_at``."""
    if values.get("status") in TERMINAL:
        values["finished_at"] = _now()
    store.write(lambda session: session.execute(update(upload).where(upload.c.id == upload_id).values(**values)))


def list_uploads(store: Store, package: str | None = None, limit: int = 100,
                 tenant_name: str | None = None) -> list[Upload]:
    """The newest uploads first; ``package`` keeps those whose package name contains it, ``tenant_name`` those of
    one tenant."""
    query = _with_verdict.order_by(upload.c.created_at.desc()).limit(limit)
    if package:
        query = query.where(upload.c.package.contains(package, autoescape=True))
    if tenant_name is not None:
        query = query.where(tenant.c.name == tenant_name)
    return store.read(lambda session: [_upload(r) for r in session.execute(query)])


def pending_uploads(store: Store) -> list[Upload]:
    """Uploads whose scan has not ended (to resubmit after a restart of a service without broker)."""
    query = _with_verdict.where(upload.c.status.not_in(TERMINAL)).order_by(upload.c.created_at)
    return store.read(lambda session: [_upload(r) for r in session.execute(query)])
