"""RFC 6962 / RFC 9162 Merkle tree hashing and proofs, as pure functions.

leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right); the tree over n leaves
splits at the largest power of two smaller than n.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 leaf hash of ``data``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """Return k, the largest power of two with k < n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# A function that returns MTH(D[start:end]) for the log being proven.
RangeHash = Callable[[int, int], bytes]


def root_of(leaves: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash of a list of leaf hashes."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # Bottom-up pairing gives the RFC 6962 tree: an odd last node is promoted unchanged.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def inclusion_path(index: int, size: int, subtree: RangeHash) -> list[bytes]:
    """Return the audit path of leaf ``index`` in a tree of ``size`` leaves (RFC 6962 PATH)."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} not in tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split(hi - lo)
        if index < lo + k:
            path.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            path.append(subtree(lo, lo + k))
            lo = lo + k
    path.reverse()
    return path


def consistency_path(old: int, new: int, subtree: RangeHash) -> list[bytes]:
    """Return the consistency proof between tree sizes ``old`` and ``new`` (RFC 6962 PROOF)."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from {old} to {new}")
    if old == new:
        return []
    out: list[bytes] = []

    def subproof(m: int, lo: int, hi: int, complete: bool) -> None:
        n = hi - lo
        if m == n:
            if not complete:
                out.append(subtree(lo, hi))
            return
        k = split(n)
        if m <= k:
            subproof(m, lo, lo + k, complete)
            out.append(subtree(lo + k, hi))
        else:
            subproof(m - k, lo + k, hi, False)
            out.append(subtree(lo, lo + k))

    subproof(old, 0, new, True)
    return out


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an audit path (RFC 9162 section 2.1.3.2)."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check a consistency proof (RFC 9162 section 2.1.4.2)."""
    if old > new or old < 1:
        return False
    if old == new:
        return not proof and old_root == new_root
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def frontier_push(frontier: list[bytes], size: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
    """Add ``leaf`` as leaf number ``size`` to the right frontier, in place.

    The frontier holds the roots of the perfect subtrees that make up a tree of ``size`` leaves,
    largest first (one per set bit of ``size``). Returns the perfect subtrees completed by this
    leaf as (level, index, hash) with level >= 1, so a store can keep them for proofs.
    """
    completed: list[tuple[int, int, bytes]] = []
    h = leaf
    level = 0
    n = size
    while n & 1:
        h = node_hash(frontier.pop(), h)
        level += 1
        n >>= 1
        completed.append((level, (size + 1 >> level) - 1, h))
    frontier.append(h)
    return completed


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """Return the tree hash of a frontier (fold the perfect subtrees right to left)."""
    if not frontier:
        return EMPTY_ROOT
    h = frontier[-1]
    for f in reversed(frontier[:-1]):
        h = node_hash(f, h)
    return h
