"""The fast verifier's statements on SQLite (DB-API ``?`` parameters; see ``ledger.verify_fast``).

Run on the DB-API connection, not through SQLAlchemy: at a million entries the construction of
SQLAlchemy rows alone costs more than the hashing.
"""

from __future__ import annotations

from ledger.verify_reference import PROJECTED

STATEMENTS = {
    "entries": (
        "SELECT body, leaf_hash FROM ledger_entry "
        "WHERE log_id = ? AND seq >= ? AND seq < ? ORDER BY seq"
    ),
    # One tree level of one chunk: how many nodes, how many with a wrong type, length or
    # seq, and their hashes in index order, concatenated by SQLite.
    # (idx + 1) * 2**level, not a shift: a non-integer idx must not be truncated to pass.
    "level": (
        "SELECT count(*), total(typeof(hash) <> 'blob' OR length(hash) <> 32 "
        "OR seq <> (idx + 1) * (1 << level) - 1), CAST(group_concat(hash, '') AS BLOB) "
        "FROM (SELECT level, idx, seq, hash FROM ledger_node "
        "WHERE log_id = ? AND level = ? AND idx >= ? AND idx < ? ORDER BY idx)"
    ),
    "node": "SELECT hash, seq FROM ledger_node WHERE log_id = ? AND level = ? AND idx = ?",
    "min_seq": "SELECT min(seq) FROM ledger_entry WHERE log_id = ?",
    "max_seq": "SELECT max(seq) FROM ledger_entry WHERE log_id = ?",
    "nodes": "SELECT count(*) FROM ledger_node WHERE log_id = ?",
    "node_min_seq": "SELECT min(seq) FROM ledger_node WHERE log_id = ?",
    "completed": "SELECT count(*) FROM ledger_node WHERE log_id = ? AND seq >= ? AND seq < ?",
    "head": "SELECT size FROM ledger_log WHERE log_id = ?",
}

# The first entry of a seq range whose indexed columns may disagree with its bytes. An entry it
# flags is then judged by the reference check (a flag is a reason to look, not a verdict), and
# bytes the database cannot parse make the statement fail, which the side checks narrow down by
# bisection. SQLite: the reference check's own json_extract comparison (bytes that are not a
# JSON blob, or a seq that is not an integer, are flagged too).
_J = "json_extract(CAST(body AS TEXT), '$.{}')"
FLAG = (
    "SELECT seq FROM ledger_entry WHERE log_id = ? AND seq >= ? AND seq < ? AND CASE "
    "WHEN typeof(seq) <> 'integer' OR typeof(body) <> 'blob' "
    "OR NOT json_valid(CAST(body AS TEXT)) THEN 1 WHEN "
    + " OR ".join(
        f"{_J.format(key)} IS NOT {col}"
        for col, key in (("seq", "seq"), ("log_id", "log"), *PROJECTED)
    )
    + " THEN 1 ELSE 0 END ORDER BY seq LIMIT 1"
)
