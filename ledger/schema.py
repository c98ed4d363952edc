"""Tables of the ledger and the database guards that make them append-only.

``ledger_entry``, ``ledger_node`` and ``ledger_checkpoint`` are never updated or deleted:
triggers refuse it on SQLite and PostgreSQL. ``ledger_log`` (the head: size, root, frontier) is
the only row that changes; it is a cache that ``verify()`` recomputes from the entries.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

ledger_log = sa.Table(
    "ledger_log",
    metadata,
    sa.Column("log_id", sa.String(64), primary_key=True),
    sa.Column("origin", sa.String(200), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("root", sa.LargeBinary(32), nullable=False),
    # The right frontier: the roots of the perfect subtrees of the tree, largest first,
    # concatenated (32 bytes each; one per set bit of size).
    sa.Column("frontier", sa.LargeBinary, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

ledger_entry = sa.Table(
    "ledger_entry",
    metadata,
    sa.Column("log_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("entry_type", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(128), nullable=True),
    sa.Column("actor", sa.String(128), nullable=True),
    sa.Column("enterprise", sa.String(64), nullable=True),
    sa.Column("client_ts", sa.String(32), nullable=True),
    sa.Column("server_ts", sa.String(32), nullable=False),
    # The canonical bytes: the authoritative content; the columns above are indexed copies.
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    sa.Index("ix_ledger_entry_subject", "log_id", "subject", "seq"),
    sa.Index("ix_ledger_entry_enterprise", "log_id", "enterprise", "seq"),
    sa.Index("ix_ledger_entry_type", "log_id", "entry_type", "seq"),
)

ledger_node = sa.Table(
    "ledger_node",
    metadata,
    sa.Column("log_id", sa.String(64), primary_key=True),
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    # The sequence number of the leaf that completed this perfect subtree.
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
    sa.Index("ix_ledger_node_seq", "log_id", "seq"),
)

ledger_checkpoint = sa.Table(
    "ledger_checkpoint",
    metadata,
    sa.Column("log_id", sa.String(64), primary_key=True),
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("root", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# A witness's cosignature of a checkpoint (C2SP tlog-cosignature): the signature line as the
# witness returned it, for the checkpoint of that size; append-only like the others.
ledger_cosignature = sa.Table(
    "ledger_cosignature",
    metadata,
    sa.Column("log_id", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("witness", sa.String(200), primary_key=True),
    sa.Column("root", sa.LargeBinary(32), nullable=False),
    sa.Column("line", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# The tables of the first schema, and the cosignatures added later (a migration installs the
# guards of the tables it creates).
FIRST_GUARDED = ("ledger_entry", "ledger_node", "ledger_checkpoint")
GUARDED = (*FIRST_GUARDED, "ledger_cosignature")
_KEYS = {
    "ledger_entry": ("log_id", "seq"),
    "ledger_node": ("log_id", "level", "idx"),
    "ledger_checkpoint": ("log_id", "id"),
    "ledger_cosignature": ("log_id", "size", "witness"),
}
APPEND_ONLY_MESSAGE = "hwtrace ledger is append-only"


def _sqlite_guards(table: str) -> list[str]:
    keys = " AND ".join(f"{k} = NEW.{k}" for k in _KEYS[table])
    msg = f"'{APPEND_ONLY_MESSAGE}: {table}'"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, {msg}); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, {msg}); END",
        # INSERT OR REPLACE deletes the old row without firing the DELETE trigger unless
        # recursive_triggers is on; refusing an insert whose key exists closes that door
        # whatever the connection's pragmas.
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_replace BEFORE INSERT ON {table} "
        f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {keys}) "
        f"BEGIN SELECT RAISE(ABORT, {msg}); END",
    ]


_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def _pg_guards(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
    ]


def install_guards(conn: Connection, tables: tuple[str, ...] = GUARDED) -> None:
    """Install the triggers that refuse UPDATE, DELETE (and TRUNCATE) on the ledger tables."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        for table in tables:
            for stmt in _sqlite_guards(table):
                conn.exec_driver_sql(stmt)
    elif dialect == "postgresql":
        conn.execute(sa.text(_PG_FUNCTION))
        for table in tables:
            for stmt in _pg_guards(table):
                conn.exec_driver_sql(stmt)
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(dialect)


def drop_guards(conn: Connection, tables: tuple[str, ...] = GUARDED) -> None:
    """Remove the guards (for tamper tests and forensic repair only)."""
    for table in tables:
        if conn.dialect.name == "sqlite":
            for suffix in ("no_update", "no_delete", "no_replace"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


def grant_append_only(conn: Connection, role: str) -> None:
    """PostgreSQL: let ``role`` read and append to the ledger but never change or delete it."""
    if conn.dialect.name != "postgresql":
        return
    q = conn.dialect.identifier_preparer.quote
    for table in GUARDED:
        conn.exec_driver_sql(f"REVOKE ALL ON {table} FROM {q(role)}")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT ON {table} TO {q(role)}")
    conn.exec_driver_sql(f"REVOKE ALL ON ledger_log FROM {q(role)}")
    conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE ON ledger_log TO {q(role)}")
