"""RFC 6962 / RFC 9162 Merkle tree hashing and proofs, as pure functions.

leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right); the tree over n leaves
splits at the largest power of two smaller than n.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

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


# -- bulk hashing, for verifying a whole range of the log at once -------------------------------


def leaf_hashes(bodies: Iterable[bytes]) -> list[bytes]:
    """Return the leaf hashes of many entries (``leaf_hash`` of each, in one tight loop)."""
    sha = hashlib.sha256
    return [sha(b"\x00" + b).digest() for b in bodies]


def levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Return the perfect subtrees over a run of leaves, level by level.

    ``levels(leaves)[k][i]`` is the root of leaves ``i * 2**k .. (i + 1) * 2**k - 1`` of the run
    (level 0 is the leaves themselves); a level holds only complete subtrees, so the last level
    has one element. When the run starts at a multiple of ``2**k`` in the log, element ``i`` of
    level ``k`` is the log's tree node (k, start // 2**k + i).
    """
    sha = hashlib.sha256
    out = [list(leaves)]
    level = out[0]
    while len(level) > 1:
        pairs = zip(level[0::2], level[1::2], strict=False)  # an odd last one waits
        level = [sha(b"\x01" + a + b).digest() for a, b in pairs]
        out.append(level)
    return out


def prefix_frontier(run_levels: Sequence[Sequence[bytes]], size: int) -> list[bytes]:
    """Return the frontier of the first ``size`` leaves of a run, from its ``levels``.

    These are the roots of the perfect subtrees that make up those leaves, largest first (one per
    set bit of ``size``); appended to the frontier of the log before an aligned run, they give the
    frontier of the log up to the run's leaf ``size``.
    """
    if not 0 <= size <= len(run_levels[0]):
        raise ValueError(f"size {size} is outside the run")
    return [
        run_levels[k][(size >> k) - 1] for k in range(len(run_levels) - 1, -1, -1) if size >> k & 1
    ]


def frontier_push_subtree(
    frontier: list[bytes], size: int, level: int, root: bytes
) -> list[tuple[int, int, bytes]]:
    """Add a perfect subtree of ``2**level`` leaves, starting at leaf ``size``, to the frontier.

    ``size`` must be a multiple of ``2**level`` (the subtree is aligned). Like ``frontier_push``
    (which is the case ``level == 0``), this changes ``frontier`` in place and returns the tree
    nodes the subtree completes, as (level, index, hash), lowest first.
    """
    if size % (1 << level):
        raise ValueError(f"a subtree of 2**{level} leaves cannot start at leaf {size}")
    completed: list[tuple[int, int, bytes]] = []
    end = size + (1 << level)
    h = root
    n = size >> level
    while n & 1:
        h = node_hash(frontier.pop(), h)
        level += 1
        n >>= 1
        completed.append((level, (end >> level) - 1, h))
    frontier.append(h)
    return completed
