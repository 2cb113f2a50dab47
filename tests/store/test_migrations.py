"""Migrations: the shipped scripts build exactly the models' schema; old databases are upgraded, not recreated."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select, text

from appscan.errors import StoreError
from appscan.report.json_format import to_document
from appscan.store import get_scan_document, list_suppressions, open_store, save_scan
from appscan.store.migrate import alembic_config, head_revision
from appscan.store.models import Base, Scan
from tests.store import factory


def test_empty_database_gets_exactly_the_models_schema(db_url: str) -> None:
    open_store(db_url).close()
    engine = create_engine(db_url)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_database_at_0001_is_upgraded_with_its_data(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
    engine.dispose()
    store = open_store(db_url, migrate=False)
    result = factory.result(findings=(factory.finding("A"),))
    scan_id = save_scan(store, result, to_document(result))
    store.close()
    upgraded = open_store(db_url)  # opening migrates to head, keeping every row
    assert get_scan_document(upgraded, scan_id) == to_document(result)
    with upgraded.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
        assert connection.scalar(select(func.count()).select_from(Scan)) == 1
        assert {"service_api_key", "service_upload"} <= set(inspect(connection).get_table_names())  # 0002
    upgraded.close()


def test_newer_database_is_refused(db_url: str) -> None:
    open_store(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="9999, newer than this appscan"):
        open_store(db_url)


def test_suppressions_at_0008_become_the_default_tenants(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0008")
        connection.execute(text("INSERT INTO suppression (kind, value, reason, created_at) "
                                "VALUES ('rule', 'SEC-005', 'kept', CURRENT_TIMESTAMP)"))
    engine.dispose()
    upgraded = open_store(db_url)
    assert [(s.value, s.reason) for s in list_suppressions(upgraded)] == [("SEC-005", "kept")]
    upgraded.close()
