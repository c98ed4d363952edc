"""The fast verifier's statements on PostgreSQL (psycopg ``%s`` parameters; see
``ledger.verify_fast``).

Run on the DB-API connection, not through SQLAlchemy: at a million entries the construction of
SQLAlchemy rows alone costs more than the hashing.
"""

from __future__ import annotations

from ledger.canonical import FORMAT_VERSION

STATEMENTS = {
    "entries": (
        "SELECT body, leaf_hash FROM ledger_entry "
        "WHERE log_id = %s AND seq >= %s AND seq < %s ORDER BY seq"
    ),
    # (aggregated in the order of an index scan: an ORDER BY inside string_agg would sort)
    "level": (
        "SELECT count(*), count(*) FILTER (WHERE octet_length(hash) <> 32 "
        "OR seq <> ((idx + 1) << level) - 1), string_agg(hash, ''::bytea) "
        "FROM (SELECT level, idx, seq, hash FROM ledger_node "
        "WHERE log_id = %s AND level = %s AND idx >= %s AND idx < %s ORDER BY idx) s"
    ),
    "node": "SELECT hash, seq FROM ledger_node WHERE log_id = %s AND level = %s AND idx = %s",
    "min_seq": "SELECT min(seq) FROM ledger_entry WHERE log_id = %s",
    "max_seq": "SELECT max(seq) FROM ledger_entry WHERE log_id = %s",
    "nodes": "SELECT count(*) FROM ledger_node WHERE log_id = %s",
    "node_min_seq": "SELECT min(seq) FROM ledger_node WHERE log_id = %s",
    "completed": "SELECT count(*) FROM ledger_node WHERE log_id = %s AND seq >= %s AND seq < %s",
    "head": "SELECT size FROM ledger_log WHERE log_id = %s",
}

# The first entry of a seq range whose indexed columns may disagree with its bytes (see
# ``ledger.verify_sqlite.FLAG`` for how a flag is used).
# PostgreSQL: parsing JSON there costs 5 µs an entry, so the bytes are compared instead with the
# canonical encoding of the columns, which fixes everything but the payload:
#     pre = {"actor":A,"client_ts":C,"enterprise":E,"log":L,"payload":
#     suf = ,"seq":S,"server_ts":T,"subject":U,"type":Y,"v":1}
# An entry passes only if (1) no column holds '"' or '\' (so '"' || column || '"' is its JSON
# string, or, for a control character, text that no valid JSON contains), (2) body = pre + P + suf
# with P not empty, (3) the body is valid UTF-8 JSON (the cast fails otherwise), and (4) the body
# after pre holds no "\u" escape and none of the tokens "actor", "client_ts", "enterprise", "log".
# Then Python's json.loads(body) (the reference check; of duplicate keys the last wins) gives
# exactly the columns: P must be balanced for the whole to be valid, so suf's members are top-level
# and come last; and by (4) no member after pre is named like pre's keys (without \u escapes a
# key can be written only one way). Payloads that trip (1) or (4) are merely flagged.
_PG_Q = "coalesce('\"' || e.{0} || '\"', 'null')"
FLAG = (
    "SELECT s.seq FROM (SELECT e.seq, e.body, convert_to("
    "'{{\"actor\":' || {actor} || ',\"client_ts\":' || {client_ts} || ',\"enterprise\":' || "
    "{enterprise} || ',\"log\":\"' || e.log_id || '\",\"payload\":', 'UTF8') AS pre, convert_to("
    '\',"seq":\' || e.seq || \',"server_ts":"\' || e.server_ts || \'","subject":\' || {subject} '
    "|| ',\"type\":\"' || e.entry_type || '\",\"v\":{v}}}', 'UTF8') AS suf, "
    "concat(e.actor, e.client_ts, e.enterprise, e.log_id, e.server_ts, e.subject, e.entry_type) "
    "AS cols FROM ledger_entry e WHERE e.log_id = %s AND e.seq >= %s AND e.seq < %s OFFSET 0) s "
    "WHERE NOT (strpos(s.cols, '\"') = 0 AND strpos(s.cols, '\\') = 0 "
    "AND octet_length(s.body) > octet_length(s.pre) + octet_length(s.suf) "
    "AND substring(s.body for octet_length(s.pre)) = s.pre "
    "AND substring(s.body from octet_length(s.body) - octet_length(s.suf) + 1) = s.suf "
    "AND convert_from(s.body, 'UTF8')::json IS NOT NULL "
    "AND position('\\x5c75'::bytea in s.body) = 0 "
    + "".join(
        f"AND position('\"{key}\"'::bytea in substring(s.body from octet_length(s.pre))) = 0 "
        for key in ("actor", "client_ts", "enterprise", "log")
    )
    + ") ORDER BY s.seq LIMIT 1"
).format(
    v=FORMAT_VERSION,
    **{c: _PG_Q.format(c) for c in ("actor", "client_ts", "enterprise", "subject")},
)
