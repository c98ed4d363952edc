"""Tables of the ledger and the database guards that make them append-only.

``ledger_entry``, ``ledger_node`` and ``ledger_checkpoint`` are never updated or deleted:
triggers refuse it on SQLite and PostgreSQL. ``ledger_log`` (the head: size, root, frontier) is
the only row that changes; it is a cache that ``verify()`` recomputes from the entries.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.canonical import FORMAT_VERSION

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
    """PostgreSQL: let ``role`` read the ledger and append to it only through ``ledger_append``.

    Entries, tree nodes and the head: SELECT only (a row the role wrote itself could break the
    tree and raise a false alarm forever); the role locks the head and appends by calling the
    functions ``install_append_function`` installed. Checkpoints and cosignatures: SELECT and
    INSERT (their signatures are made outside the database, which cannot check Ed25519)."""
    if conn.dialect.name != "postgresql":
        return
    q = conn.dialect.identifier_preparer.quote
    for table in (*GUARDED, "ledger_log"):
        conn.exec_driver_sql(f"REVOKE ALL ON {table} FROM {q(role)}")
        conn.exec_driver_sql(f"GRANT SELECT ON {table} TO {q(role)}")
    for table in APPENDED_BY_ROLE:
        conn.exec_driver_sql(f"GRANT INSERT ON {table} TO {q(role)}")
    for fn in ("ledger_lock_head(text, text)", APPEND_FUNCTIONS[-1]):
        conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {fn} TO {q(role)}")


# The ledger tables the server's role inserts into itself on PostgreSQL.
APPENDED_BY_ROLE = ("ledger_checkpoint", "ledger_cosignature")

# -- appends inside PostgreSQL ------------------------------------------------------------------
#
# ``ledger_append`` is the one way the server's role writes entries, tree nodes and the head on
# PostgreSQL (``grant_append_only`` gives it EXECUTE and no INSERT or UPDATE on those tables). It
# runs as its owner (SECURITY DEFINER) with a fixed search_path, locks the head row as the Python
# path does, gives each entry the next sequence number, builds the canonical bytes from the
# fields (the layout of ``ledger.canonical``: sorted keys, no whitespace, strings escaped as
# Python's ``json.dumps(ensure_ascii=False)`` escapes them, which is what PostgreSQL's ``to_json``
# does), and computes the RFC 6962 hashes with the built-in ``sha256()`` (PostgreSQL 11+):
# leaf = SHA-256(0x00 || bytes), node = SHA-256(0x01 || left || right). So every row it writes
# passes ``Log.verify``: the caller chooses the fields and the payload, never the sequence
# number, the bytes, a hash or a node. The payload must be a JSON object that Python's json
# reads back (nesting under ``MAX_DEPTH``, integers under 4,300 digits: beyond either Python's
# json.loads fails, so the verifier could not read the entry).
MAX_DEPTH = 500
_TS = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z$"

_PG_LOCK_HEAD = """
CREATE OR REPLACE FUNCTION ledger_lock_head(p_log_id text, p_origin text,
    OUT head_size bigint, OUT head_root bytea, OUT head_frontier bytea)
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  SELECT l.size, l.root, l.frontier INTO head_size, head_root, head_frontier
    FROM ledger_log l WHERE l.log_id = p_log_id FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO ledger_log (log_id, origin, size, root, frontier, updated_at)
      VALUES (p_log_id, coalesce(p_origin, p_log_id), 0, sha256(''::bytea), ''::bytea, now())
      ON CONFLICT (log_id) DO NOTHING;
    SELECT l.size, l.root, l.frontier INTO STRICT head_size, head_root, head_frontier
      FROM ledger_log l WHERE l.log_id = p_log_id FOR UPDATE;
  END IF;
END
$$
"""

_PG_CHECK_ENTRY = f"""
CREATE OR REPLACE FUNCTION ledger_check_entry(p_type text, p_client_ts text, p_payload bytea)
RETURNS void LANGUAGE plpgsql STABLE AS $$
DECLARE
  t text;
  depth int := 0;
  deepest int := 0;
  c text;
BEGIN
  IF p_type IS NULL THEN
    RAISE EXCEPTION 'ledger_append: an entry needs a type' USING ERRCODE = 'data_exception';
  END IF;
  IF p_client_ts IS NOT NULL AND (p_client_ts !~ '{_TS}'
      OR p_client_ts::timestamptz IS NULL) THEN
    RAISE EXCEPTION 'ledger_append: client_ts % is not RFC 3339 UTC with microseconds',
      p_client_ts USING ERRCODE = 'data_exception';
  END IF;
  t := convert_from(p_payload, 'UTF8');
  IF json_typeof(t::json) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'ledger_append: the payload is not a JSON object'
      USING ERRCODE = 'data_exception';
  END IF;
  -- numbers and brackets outside strings; looked at only when the payload could break a limit
  IF length(t) >= 4300 OR length(t) - length(translate(t, '{{[', '')) > {MAX_DEPTH} THEN
    t := regexp_replace(t, '"(\\\\.|[^"\\\\])*"', '', 'g');
  END IF;
  IF length(t) >= 4300 AND EXISTS (SELECT FROM regexp_matches(t, '[0-9]{{250,}}', 'g') r
      WHERE length(r[1]) >= 4300) THEN
    RAISE EXCEPTION 'ledger_append: a number of 4,300 digits or more'
      USING ERRCODE = 'data_exception';
  END IF;
  IF length(t) - length(translate(t, '{{[', '')) > {MAX_DEPTH} THEN
    FOREACH c IN ARRAY regexp_split_to_array(regexp_replace(t, '[^][{{}}]', '', 'g'), '') LOOP
      depth := depth + CASE WHEN c IN ('{{', '[') THEN 1 ELSE -1 END;
      deepest := greatest(deepest, depth);
    END LOOP;
    IF deepest > {MAX_DEPTH} THEN
      RAISE EXCEPTION 'ledger_append: the payload is nested deeper than {MAX_DEPTH}'
        USING ERRCODE = 'data_exception';
    END IF;
  END IF;
END
$$
"""

# The body of an entry (the canonical JSON of ``ledger.canonical.entry_fields``, keys sorted),
# for the row x of the unnested arrays at sequence number sq.
_PG_BODY = f"""convert_to('{{"actor":' || coalesce(to_json(x.a)::text, 'null')
        || ',"client_ts":' || coalesce(to_json(x.c)::text, 'null')
        || ',"enterprise":' || coalesce(to_json(x.ent)::text, 'null')
        || ',"log":' || to_json(p_log_id)::text || ',"payload":', 'UTF8')
      || x.p
      || convert_to(',"seq":' || sq || ',"server_ts":' || to_json(p_server_ts)::text
        || ',"subject":' || coalesce(to_json(x.s)::text, 'null')
        || ',"type":' || to_json(x.t)::text || ',"v":{FORMAT_VERSION}}}', 'UTF8')"""

# A payload that may break a limit (long, or many brackets) is looked at closely.
_PG_SUSPECT = (
    f"(length(u.j) >= 4300 OR length(u.j) - length(translate(u.j, '{{[', '')) > {MAX_DEPTH})"
)

_PG_APPEND = f"""
CREATE OR REPLACE FUNCTION ledger_append(p_log_id text, p_origin text, p_server_ts text,
    p_types text[], p_subjects text[], p_actors text[], p_enterprises text[],
    p_client_ts text[], p_payloads bytea[], OUT first_seq bigint, OUT leaves bytea[])
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  n int := coalesce(array_length(p_payloads, 1), 0);
  sz bigint;
  fr bytea;
  bad int;
  n_level smallint[] := '{{}}';
  n_idx bigint[] := '{{}}';
  n_seq bigint[] := '{{}}';
  n_hash bytea[] := '{{}}';
  h bytea;
  lvl int;
  m bigint;
  k int;
BEGIN
  IF coalesce(array_length(p_types, 1), 0) <> n OR coalesce(array_length(p_subjects, 1), 0) <> n
      OR coalesce(array_length(p_actors, 1), 0) <> n
      OR coalesce(array_length(p_enterprises, 1), 0) <> n
      OR coalesce(array_length(p_client_ts, 1), 0) <> n THEN
    RAISE EXCEPTION 'ledger_append: the field arrays differ in length'
      USING ERRCODE = 'data_exception';
  END IF;
  SELECT head_size, head_frontier INTO sz, fr FROM ledger_lock_head(p_log_id, p_origin);
  first_seq := sz;
  leaves := '{{}}';
  IF n = 0 THEN
    RETURN;
  END IF;
  IF p_server_ts IS NULL OR p_server_ts !~ '{_TS}' OR p_server_ts::timestamptz IS NULL THEN
    RAISE EXCEPTION 'ledger_append: server_ts % is not RFC 3339 UTC with microseconds',
      p_server_ts USING ERRCODE = 'data_exception';
  END IF;
  -- every entry looked at in one statement; those that may be bad are checked one by one
  FOR bad IN SELECT x.i FROM unnest(p_types, p_client_ts, p_payloads) WITH ORDINALITY x(t, c, p, i)
      CROSS JOIN LATERAL (SELECT convert_from(x.p, 'UTF8') AS j) u
    WHERE x.t IS NULL OR (x.c IS NOT NULL AND x.c !~ '{_TS}')
      OR json_typeof(u.j::json) IS DISTINCT FROM 'object' OR {_PG_SUSPECT}
  LOOP
    PERFORM ledger_check_entry(p_types[bad], p_client_ts[bad], p_payloads[bad]);
  END LOOP;
  PERFORM x.c::timestamptz FROM unnest(p_client_ts) x(c) WHERE x.c IS NOT NULL;
  WITH ins AS (
    INSERT INTO ledger_entry (log_id, seq, entry_type, subject, actor, enterprise, client_ts,
        server_ts, body, leaf_hash)
      SELECT p_log_id, sq, x.t, x.s, x.a, x.ent, x.c, p_server_ts, b.body,
          sha256('\\x00'::bytea || b.body)
      FROM unnest(p_types, p_subjects, p_actors, p_enterprises, p_client_ts, p_payloads)
          WITH ORDINALITY x(t, s, a, ent, c, p, i)
        CROSS JOIN LATERAL (SELECT sz + x.i - 1 AS sq) q
        CROSS JOIN LATERAL (SELECT {_PG_BODY} AS body) b
    RETURNING seq, leaf_hash)
  SELECT array_agg(ins.leaf_hash ORDER BY ins.seq) INTO leaves FROM ins;
  -- the right frontier (ledger.merkle.frontier_push): each odd bit of sz completes a subtree
  FOR i IN 1..n LOOP
    h := leaves[i];
    lvl := 0;
    m := sz;
    WHILE m & 1 = 1 LOOP
      k := octet_length(fr);
      h := sha256('\\x01'::bytea || substring(fr FROM k - 31 FOR 32) || h);
      fr := substring(fr FOR k - 32);
      lvl := lvl + 1;
      m := m >> 1;
      n_level := n_level || lvl::smallint;
      n_idx := n_idx || (((sz + 1) >> lvl) - 1);
      n_seq := n_seq || sz;
      n_hash := n_hash || h;
    END LOOP;
    fr := fr || h;
    sz := sz + 1;
  END LOOP;
  IF array_length(n_level, 1) > 0 THEN
    INSERT INTO ledger_node (log_id, level, idx, seq, hash)
      SELECT p_log_id, x.level, x.idx, x.seq, x.hash
      FROM unnest(n_level, n_idx, n_seq, n_hash) AS x(level, idx, seq, hash);
  END IF;
  -- the root (ledger.merkle.frontier_root): fold the frontier right to left
  k := octet_length(fr) / 32;
  h := substring(fr FROM (k - 1) * 32 + 1 FOR 32);
  FOR j IN REVERSE k - 1 .. 1 LOOP
    h := sha256('\\x01'::bytea || substring(fr FROM (j - 1) * 32 + 1 FOR 32) || h);
  END LOOP;
  UPDATE ledger_log SET size = sz, root = h, frontier = fr, updated_at = now()
    WHERE log_id = p_log_id;
END
$$
"""

APPEND_FUNCTIONS = (
    "ledger_lock_head(text, text)",
    "ledger_check_entry(text, text, bytea)",
    "ledger_append(text, text, text, text[], text[], text[], text[], text[], bytea[])",
)


def install_append_function(conn: Connection) -> None:
    """PostgreSQL: install ``ledger_append`` (and the head lock it uses); no-op on SQLite.

    The functions run as their owner (whoever installs them: the migration's role) with the
    search path fixed to the current schema, and nobody may call them until granted."""
    if conn.dialect.name != "postgresql":
        return
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    q = conn.dialect.identifier_preparer.quote
    for sql in (_PG_LOCK_HEAD, _PG_CHECK_ENTRY, _PG_APPEND):
        conn.exec_driver_sql(sql.replace("%", "%%"))  # the driver reads %s placeholders
    for fn in APPEND_FUNCTIONS:
        conn.exec_driver_sql(f"ALTER FUNCTION {fn} SET search_path = {q(schema)}, pg_temp")
        conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")


def drop_append_function(conn: Connection) -> None:
    """PostgreSQL: remove what ``install_append_function`` installed."""
    if conn.dialect.name != "postgresql":
        return
    for fn in reversed(APPEND_FUNCTIONS):
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}")
