"""The suite's schema teardown never waits for ever on a backend a test left holding locks.

Skips when PostgreSQL is not reachable (see test_claims_pg).
"""

from __future__ import annotations

import os

import psycopg
import pytest

from tests.conftest import PG_DEFAULT, PG_ENV, create_pg_schema, drop_pg_schema
from tests.pg.test_claims_pg import _SKIP

URL = os.environ.get(PG_ENV, PG_DEFAULT)
pytestmark = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")


def test_a_schema_is_dropped_even_while_a_stalled_session_holds_a_lock_in_it() -> None:
    schema = create_pg_schema(URL)
    conninfo = URL.replace("postgresql+psycopg://", "postgresql://")
    stalled = psycopg.connect(conninfo, options=f"-csearch_path={schema}")  # e.g. its client was severed
    stalled.execute("CREATE TABLE held (x int)")
    stalled.commit()
    stalled.execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE")  # and its transaction never ends
    try:
        drop_pg_schema(URL, schema)
        with psycopg.connect(conninfo, autocommit=True) as check:
            found = check.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
        assert found == (0,)
        with pytest.raises(psycopg.OperationalError):
            stalled.execute("SELECT 1")  # its backend was ended
    finally:
        stalled.close()
