"""Migration 0008 on a database that already has rooms: each room becomes a storage facility,
numbered TS001, TS002 … per enterprise in the order the rooms were made; downgrade drops them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from hwtrace import migrate
from tests.dbutil import fresh_postgres_database, pg_base_url


def _check(url: str) -> None:
    migrate.upgrade(url, "0007")
    engine = sa.create_engine(url)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO park (id, code, name, log_id, created_at)"
                " VALUES (1, 'P', 'p', 'l', :t)"
            ),
            {"t": now},
        )
        for ent, uscc in ((1, "91320500MA1W9XKX30"), (2, "91320500MA1W9XKX31")):
            conn.execute(
                sa.text(
                    "INSERT INTO enterprise (id, park_id, uscc, name, kind, address, contact_name,"
                    " contact_phone, permits, created_at) VALUES (:id, 1, :u, 'e', 'producer', '',"
                    " '', '', '{}', :t)"
                ),
                {"id": ent, "u": uscc, "t": now},
            )
        for room, ent, name in ((1, 1, "甲"), (2, 2, "乙"), (3, 1, "丙")):
            conn.execute(
                sa.text(
                    "INSERT INTO storage_room (id, enterprise_id, name, capacity_g,"
                    " allowed_categories, created_at) VALUES (:id, :e, :n, 1000, '[\"HW49\"]', :t)"
                ),
                {"id": room, "e": ent, "n": name, "t": now},
            )
    migrate.upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT enterprise_id, code, name, room_id, kind, allowed_categories FROM facility"
                " ORDER BY room_id"
            )
        ).all()
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        (1, "TS001", "甲", 1, "storage"),
        (2, "TS001", "乙", 2, "storage"),
        (1, "TS002", "丙", 3, "storage"),
    ]
    assert "HW49" in str(rows[0][5])
    command.downgrade(migrate.alembic_config(url), "0007")
    with engine.connect() as conn:
        assert "facility" not in sa.inspect(conn).get_table_names()
    engine.dispose()


def test_rooms_become_storage_facilities(tmp_path: Path) -> None:
    if pg_base_url():
        with fresh_postgres_database("hwtrace_mig") as url:
            _check(url)
    else:
        _check(f"sqlite:///{tmp_path / 'm.sqlite'}")
