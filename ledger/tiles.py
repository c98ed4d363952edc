"""The log as C2SP tlog-tiles: static files a plain web server or a CDN serves.

Under a directory (the log's URL prefix)::

    checkpoint                      the signed checkpoint (replaced; cache a few seconds)
    tile/<L>/<N>[.p/<W>]            hash tiles: 256 hashes of 32 bytes (W in a partial tile)
    tile/entries/<N>[.p/<W>]        entry bundles: each entry as a big-endian uint16 length
                                    and its canonical bytes

Hash ``i`` of tile ``N`` at level ``L`` is MTH(D[(N*256+i) * 256**L : (N*256+i+1) * 256**L]),
the tree node at height 8L, which the ledger keeps in ``ledger_node`` (level 0: the leaf
hashes). ``<N>`` is written in 3-digit groups, all but the last prefixed with ``x``
(1234067 -> ``x001/x234/067``). Full tiles and partial tiles never change once written (a
partial tile's path carries its width), so they are written once and never replaced; the
checkpoint is written last, so a reader never sees a checkpoint whose tiles are missing.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.schema import ledger_entry, ledger_node

WIDTH = 256
HEIGHT = 8


def index_path(n: int) -> str:
    """Return tile index ``n`` as path elements (``x001/x234/067``)."""
    groups = []
    while True:
        groups.append(n % 1000)
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([f"x{g:03d}" for g in groups[:-1]] + [f"{groups[-1]:03d}"])


def tile_path(level: int | str, n: int, width: int = WIDTH) -> str:
    """Return the path of a hash tile (``level`` an int) or entry bundle (``"entries"``)."""
    suffix = "" if width == WIDTH else f".p/{width}"
    return f"tile/{level}/{index_path(n)}{suffix}"


def tiles_for(size: int) -> Iterator[tuple[int, int, int]]:
    """Yield (level, index, width) of every hash tile of a tree of ``size`` leaves."""
    level = 0
    while size >> (HEIGHT * level):
        count = size >> (HEIGHT * level)
        for n in range(count // WIDTH):
            yield level, n, WIDTH
        if count % WIDTH:
            yield level, count // WIDTH, count % WIDTH
        level += 1


def read_tile(conn: Connection, log_id: str, level: int, n: int, width: int) -> bytes:
    """Return the hashes of a tile from the database."""
    lo, hi = n * WIDTH, n * WIDTH + width
    if level == 0:
        q = (
            sa.select(ledger_entry.c.leaf_hash)
            .where(ledger_entry.c.log_id == log_id, ledger_entry.c.seq >= lo)
            .where(ledger_entry.c.seq < hi)
            .order_by(ledger_entry.c.seq)
        )
    else:
        q = (
            sa.select(ledger_node.c.hash)
            .where(ledger_node.c.log_id == log_id, ledger_node.c.level == HEIGHT * level)
            .where(ledger_node.c.idx >= lo, ledger_node.c.idx < hi)
            .order_by(ledger_node.c.idx)
        )
    hashes = [bytes(h) for h in conn.execute(q).scalars()]
    if len(hashes) != width:
        raise ValueError(f"tile {level}/{n} needs {width} hashes, the log has {len(hashes)}")
    return b"".join(hashes)


def read_bundle(conn: Connection, log_id: str, n: int, width: int) -> bytes:
    """Return an entry bundle from the database."""
    rows = conn.execute(
        sa.select(ledger_entry.c.body)
        .where(ledger_entry.c.log_id == log_id, ledger_entry.c.seq >= n * WIDTH)
        .where(ledger_entry.c.seq < n * WIDTH + width)
        .order_by(ledger_entry.c.seq)
    ).scalars()
    bodies = [bytes(b) for b in rows]
    if len(bodies) != width:
        raise ValueError(f"entry bundle {n} needs {width} entries, the log has {len(bodies)}")
    return encode_bundle(bodies)


def encode_bundle(bodies: list[bytes]) -> bytes:
    """Return entries as an entry bundle (uint16 big-endian length before each)."""
    out = bytearray()
    for b in bodies:
        if len(b) > 0xFFFF:
            raise ValueError(f"an entry of {len(b)} bytes does not fit an entry bundle")
        out += struct.pack(">H", len(b)) + b
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    """Return the entries of an entry bundle; raise ValueError if it is malformed."""
    out = []
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("truncated entry length")
        (n,) = struct.unpack(">H", data[i : i + 2])
        if i + 2 + n > len(data):
            raise ValueError("truncated entry")
        out.append(data[i + 2 : i + 2 + n])
        i += 2 + n
    return out


def _write_once(path: Path, data: bytes) -> bool:
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def export(conn: Connection, log_id: str, note: str, size: int, directory: Path) -> int:
    """Write the tiles and entry bundles of the tree of ``size`` leaves that are not there yet,
    then the checkpoint ``note`` (of that size); return the number of files written."""
    written = 0
    for level, n, width in tiles_for(size):
        path = directory / tile_path(level, n, width)
        if not path.exists():
            written += _write_once(path, read_tile(conn, log_id, level, n, width))
        if level == 0:
            path = directory / tile_path("entries", n, width)
            if not path.exists():
                written += _write_once(path, read_bundle(conn, log_id, n, width))
    tmp = directory / "checkpoint.tmp"
    directory.mkdir(parents=True, exist_ok=True)
    tmp.write_text(note, "utf-8")
    os.replace(tmp, directory / "checkpoint")
    return written + 1
