"""``appscan serve`` (the upload service under uvicorn) and ``appscan apikey create|list|revoke`` (its keys)."""

from __future__ import annotations

from pathlib import Path

import click

from appscan.cli.common import limit_options, say
from appscan.errors import extra_needed
from appscan.store import open_store
from appscan.store.review_records import DEFAULT_TENANT
from appscan.store.service_records import create_key, list_keys, revoke_key

__all__ = ["apikey", "serve"]

_DB_HELP = "SQLAlchemy URL of the database (default: $APPSCAN_DB or ./appscan.db)."


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--db", "db_url", metavar="URL", help=_DB_HELP)
@click.option("--max-upload-mb", type=click.IntRange(min=1), default=512, show_default=True,
              help="Largest APK accepted; a bigger upload is refused (413) while it streams in.")
@click.option("--upload-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("appscan-uploads"),
              show_default=True, envvar="APPSCAN_UPLOAD_DIR",
              help="Where uploads wait for their scan; with Celery workers, a folder they all see at this path.")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Local scan processes when no broker ($APPSCAN_BROKER) answers.")
@limit_options(memory_default=4096)
@click.option("--max-queue", type=click.IntRange(min=1), default=100, show_default=True,
              help="Local scans waiting or running at most; further uploads get 429 with Retry-After.")
@click.option("--read-timeout", type=click.FloatRange(min=1), default=30, show_default=True, metavar="SECONDS",
              help="Refuse an upload (408) whose body stalls this long.")
@click.option("--key-rate", type=click.IntRange(min=1), default=600, show_default=True, metavar="N",
              help="Requests one API key may make per minute; more get 429 with Retry-After.")
@click.option("--key-uploads", type=click.IntRange(min=1), default=4, show_default=True, metavar="N",
              help="Uploads one API key may send at once; more get 429.")
@click.option("--session-secret", envvar="APPSCAN_SESSION_SECRET", metavar="TEXT",
              help="Key signing the web UI's session cookies; by default one made at start, so sessions end with "
                   "the server. Give the same one to every instance behind a load balancer.")
@click.option("--session-hours", type=click.FloatRange(min=0.05), default=8, show_default=True,
              help="A web UI session ends this long after log-in.")
@click.option("--insecure-cookies", is_flag=True,
              help="Send the session cookie over plain http too (tests on 127.0.0.1); by default it is Secure.")
def serve(host: str, port: int, db_url: str | None, max_upload_mb: int, upload_dir: Path, workers: int,
          time_limit: float, memory_limit: int, max_queue: int, read_timeout: float, key_rate: int,
          key_uploads: int, session_secret: str | None, session_hours: float, insecure_cookies: bool) -> None:
    """Run the upload service: POST /scans, GET /scans/{id}[/report], GET /scans, /health, /openapi.json, and
    the reviewers' web UI at /ui (people log in; see appscan user add).

    Without a broker each upload is scanned in a process of its own under --time-limit and --memory-limit; with
    Celery workers ($APPSCAN_BROKER), the workers' limits apply ($APPSCAN_TIME_LIMIT, $APPSCAN_MEMORY_LIMIT).
    """
    with extra_needed("server", "appscan serve"):
        import uvicorn

        from appscan.server.api import ServiceSettings, create_app
        from appscan.server.session import WebSettings

    settings = ServiceSettings(db_url, upload_dir.resolve(), max_upload_mb, workers, time_limit, memory_limit,
                               max_queue, read_timeout, key_rate=key_rate, key_uploads=key_uploads,
                               web=WebSettings(session_secret, session_hours, not insecure_cookies))
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@click.group()
def apikey() -> None:
    """Manage the upload service's API keys."""


@apikey.command("create")
@click.option("--name", default="default", show_default=True, help="Who the key is for (shown nowhere else).")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True, metavar="NAME",
              help="The team whose uploads the key reaches (made when new).")
@click.option("--admin", is_flag=True,
              help="An admin key: also makes and revokes keys, reads the audit log and edits suppressions through "
                   "the API (default: a reviewer key).")
@click.option("--db", "db_url", metavar="URL", help=_DB_HELP)
def apikey_create(name: str, tenant: str, admin: bool, db_url: str | None) -> None:
    """Create a key and print it; only its salted hash is stored, so it cannot be shown again."""
    store = open_store(db_url)
    try:
        click.echo(create_key(store, name, tenant, role="admin" if admin else "reviewer"))
    finally:
        store.close()


@apikey.command("list")
@click.option("--tenant", metavar="NAME", help="Only this team's keys.")
@click.option("--db", "db_url", metavar="URL", help=_DB_HELP)
def apikey_list(tenant: str | None, db_url: str | None) -> None:
    """List the keys: id (the part before the dot), creation time, tenant, role and name; secrets are never
    stored."""
    store = open_store(db_url, existing=True)
    try:
        for key in list_keys(store, tenant):
            say(f"{key.key_id}  {key.created_at:%Y-%m-%d %H:%M:%S}  {key.tenant}  {key.role}  {key.name}")
    finally:
        store.close()


@apikey.command("revoke")
@click.argument("key_id")
@click.option("--db", "db_url", metavar="URL", help=_DB_HELP)
def apikey_revoke(key_id: str, db_url: str | None) -> None:
    """Revoke a key by its id (``apikey list``; a whole key is accepted too): requests with it get 403 at once."""
    store = open_store(db_url, existing=True)
    try:
        if not revoke_key(store, key_id.partition(".")[0]):
            raise click.UsageError(f"no API key {key_id.partition('.')[0]!r} (see appscan apikey list)")
        click.echo(f"revoked {key_id.partition('.')[0]}")
    finally:
        store.close()
