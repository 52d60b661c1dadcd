"""Replicas started at the same moment on a fresh PostgreSQL database all come up.

Each replica runs the migrations at start-up; without a lock two of them create
`alembic_version` at once and one dies on a UniqueViolation. Real processes, as replicas are.
"""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import quote

import pytest

from tests.conftest import PG_DEFAULT, PG_ENV, create_pg_schema, drop_pg_schema
from tests.pg.test_claims_pg import _SKIP

URL = os.environ.get(PG_ENV, PG_DEFAULT)
pytestmark = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")


def test_replicas_upgrading_a_fresh_database_at_once_all_succeed() -> None:
    schema = create_pg_schema(URL)
    try:
        url = f"{URL}?options={quote(f'-csearch_path={schema}')}"
        env = {**os.environ, "DATABASE_URL": url}
        replicas = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "db", "upgrade"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(4)
        ]
        outcomes = [(r.wait(timeout=120), r.stdout.read() if r.stdout else "") for r in replicas]
        assert [code for code, _ in outcomes] == [0, 0, 0, 0], outcomes
    finally:
        drop_pg_schema(URL, schema)
