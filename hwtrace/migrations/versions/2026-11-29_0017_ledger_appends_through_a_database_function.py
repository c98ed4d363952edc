"""ledger appends through a database function

PostgreSQL: ``ledger_append`` (and ``ledger_lock_head``, which it uses) number, encode and hash
the ledger's entries and write the tree nodes and the head inside the database, so the server's
role needs no INSERT or UPDATE on those tables (``hwtrace db grant-app-role``). A role that was
given the old append-only grant (INSERT on ``ledger_entry``) gets the new one here: EXECUTE on the
functions, no longer INSERT on entries and nodes nor UPDATE on the head. SQLite: nothing.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 20:50:00
"""
from alembic import op
from sqlalchemy.engine import Connection

import ledger.schema


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _roles(conn: Connection, sql: str) -> list[str]:
    return [str(r) for r in conn.exec_driver_sql(sql).scalars()]


# roles other than the owner (and superusers) holding a privilege on a table or function
_HOLDERS = (
    "SELECT DISTINCT r.rolname FROM {catalog} o, aclexplode(o.{acl}) a "
    "JOIN pg_roles r ON r.oid = a.grantee WHERE o.oid = {oid} AND a.privilege_type = '{priv}' "
    "AND a.grantee <> o.{owner} AND NOT r.rolsuper"
)


def upgrade() -> None:
    conn = op.get_bind()
    ledger.schema.install_append_function(conn)
    if conn.dialect.name != 'postgresql':
        return
    old_grant = _HOLDERS.format(
        catalog='pg_class', acl='relacl', oid="to_regclass('ledger_entry')", priv='INSERT',
        owner='relowner',
    )
    for role in _roles(conn, old_grant):
        ledger.schema.grant_append_only(conn, role)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        new_grant = _HOLDERS.format(
            catalog='pg_proc', acl='proacl', priv='EXECUTE', owner='proowner',
            oid="to_regprocedure('" + ledger.schema.APPEND_FUNCTIONS[-1] + "')",
        )
        q = conn.dialect.identifier_preparer.quote
        for role in _roles(conn, new_grant):  # back to the grant before this migration
            for table in ledger.schema.GUARDED:
                conn.exec_driver_sql(f'GRANT SELECT, INSERT ON {table} TO {q(role)}')
            conn.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE ON ledger_log TO {q(role)}')
    ledger.schema.drop_append_function(conn)
