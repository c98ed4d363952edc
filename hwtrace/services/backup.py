"""Back up an instance and restore it into a fresh one.

A backup is a directory: the ledger signing key, the session secret (when it is kept in the
instance), the database (SQLite: an online copy through SQLite's backup API, consistent while the
server runs; PostgreSQL: ``pg_dump --format=custom``) and ``MANIFEST.json`` with the ledger's tree
size and root at the moment of the copy. A restore puts them into an instance that has neither
keys nor data, then recomputes the whole ledger and checks it still has the recorded root at the
recorded size.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hwtrace import keys, migrate
from hwtrace.domain.errors import HwtraceError
from hwtrace.services.context import Context

MANIFEST = "MANIFEST.json"
PG_DUMP = "hwtrace.pgdump"


class BackupError(HwtraceError):
    """A backup or restore that cannot go ahead (target not empty, tool missing, mismatch)."""

    code = "backup.refused"
    status = 409


@dataclass(frozen=True)
class Where:
    """The files of an instance: its database URL, its signing key and its secret file (None
    when the secret comes from the environment)."""

    database_url: str
    signing_key: Path
    secret: Path | None


def _sqlite_path(url: str) -> Path | None:
    u = sa.engine.make_url(url)
    return Path(u.database) if u.get_backend_name() == "sqlite" and u.database else None


def _libpq_url(url: str) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver suffix)."""
    u = sa.engine.make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            zh=f"未找到 {name}：PostgreSQL 的备份与恢复需要它（apt-get install postgresql-client）",
            en=f"{name} not found: PostgreSQL backups need it (apt-get install postgresql-client)",
        )
    return tool


def _copy_private(src: Path, dst: Path) -> None:
    dst.write_bytes(src.read_bytes())
    dst.chmod(0o600)


def backup(
    ctx: Context,
    where: Where,
    out: Path,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Write a backup of the instance into the new directory ``out``; return its manifest
    (``progress(pages copied, pages)`` while a SQLite database is copied)."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(
            zh=f"备份目录 {out} 不是空目录", en=f"the backup directory {out} is not empty"
        )
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    signer = ctx.signer  # KeyMissing when there is nothing to back up
    _copy_private(where.signing_key, out / keys.SIGNING_KEY_FILE)
    if where.secret is not None and where.secret.exists():
        _copy_private(where.secret, out / keys.SECRET_FILE)
    sqlite_file = _sqlite_path(where.database_url)
    if sqlite_file is not None:
        src = sqlite3.connect(sqlite_file)
        dst = sqlite3.connect(out / keys.SQLITE_FILE)
        try:
            src.backup(
                dst,
                pages=4096,
                progress=None
                if progress is None
                else lambda _status, left, total: progress(total - left, total),
            )
        finally:
            dst.close()
            src.close()
        (out / keys.SQLITE_FILE).chmod(0o600)
        database = keys.SQLITE_FILE
    else:
        subprocess.run(
            [
                *(_pg_tool("pg_dump"), "--format=custom", "--no-owner"),
                *("--file", str(out / PG_DUMP), _libpq_url(where.database_url)),
            ],
            check=True,
            capture_output=True,
        )
        database = PG_DUMP
    # The head recorded after the copy: entries appended meanwhile are in the copy or not, but
    # every entry up to this size is.
    with ctx.db.read_session() as s:
        size = ctx.log.size(s.connection())
        root = ctx.log.root(s.connection(), size)
    manifest = {
        "made_at": ctx.now().isoformat(timespec="seconds"),
        "park_code": ctx.settings.park_code,
        "ledger_origin": ctx.settings.ledger_origin,
        "vkey": signer.vkey,
        "schema_revision": migrate.current(where.database_url),
        "database": database,
        "tree_size": size,
        "root": root.hex(),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return manifest


def restore(backup_dir: Path, where: Where) -> dict[str, Any]:
    """Put the backup in ``backup_dir`` into an instance with no keys and no data; return its
    manifest. The caller verifies the ledger afterwards (:func:`check_restored`)."""
    manifest: dict[str, Any] = json.loads((backup_dir / MANIFEST).read_text())
    taken = [str(p) for p in (where.signing_key, where.secret) if p is not None and p.exists()]
    sqlite_file = _sqlite_path(where.database_url)
    if sqlite_file is not None and sqlite_file.exists() and sqlite_file.stat().st_size > 0:
        taken.append(str(sqlite_file))
    if sqlite_file is None and migrate.current(where.database_url) is not None:
        taken.append(sa.engine.make_url(where.database_url).render_as_string())
    if taken:
        raise BackupError(
            zh="目标实例已有密钥或数据，恢复不会覆盖：" + ", ".join(taken),
            en="the target instance already has keys or data; a restore never overwrites: "
            + ", ".join(taken),
        )
    if (sqlite_file is None) != (manifest["database"] == PG_DUMP):
        raise BackupError(
            zh="备份的数据库类型与目标实例不同（SQLite 与 PostgreSQL 之间请用导出）",
            en="the backup's database kind differs from the target's (SQLite vs PostgreSQL)",
        )
    where.signing_key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _copy_private(backup_dir / keys.SIGNING_KEY_FILE, where.signing_key)
    if where.secret is not None and (backup_dir / keys.SECRET_FILE).exists():
        where.secret.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _copy_private(backup_dir / keys.SECRET_FILE, where.secret)
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _copy_private(backup_dir / keys.SQLITE_FILE, sqlite_file)
    else:
        subprocess.run(
            [
                *(_pg_tool("pg_restore"), "--no-owner", "--exit-on-error"),
                *("--dbname", _libpq_url(where.database_url), str(backup_dir / PG_DUMP)),
            ],
            check=True,
            capture_output=True,
        )
    return manifest


def check_restored(ctx: Context, manifest: dict[str, Any]) -> Any:
    """Recompute the restored ledger; refuse one that lost or changed what the backup held."""
    from hwtrace.services import audit

    if ctx.signer.vkey != manifest["vkey"]:
        raise BackupError(
            zh="恢复后的签名密钥与备份记录的验证公钥不一致",
            en="the restored signing key is not the one the backup recorded",
        )
    report = audit.verify(ctx)
    with ctx.db.read_session() as s:
        root = ctx.log.root(s.connection(), int(manifest["tree_size"]))
    if not report.ok or root.hex() != manifest["root"]:
        raise BackupError(
            zh="恢复后的台账与备份记录不一致",
            en=f"the restored ledger does not match the backup: {report.reason or 'root differs'}",
        )
    return report
