"""The instance directory and the keys kept in it.

The instance directory holds what a park must back up: the SQLite database (when no
``HWTRACE_DATABASE_URL`` is set), the session secret and the ledger's Ed25519 signing key. It is
``HWTRACE_INSTANCE_DIR``, by default ``instance/`` in the working directory, and never inside the
virtualenv (a rebuilt venv would lose it). Keys are made only by ``hwtrace keys init``
(:func:`init_keys`); everything else reads them and fails with :class:`KeyMissing` when absent.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ledger
from hwtrace.domain.errors import HwtraceError
from ledger.signer import RemoteSigner

SECRET_FILE = "secret_key"
SIGNING_KEY_FILE = "ledger_signing.key"
SQLITE_FILE = "hwtrace.sqlite"


class KeyMissing(HwtraceError):
    """A key this command needs does not exist yet (``hwtrace keys init`` makes it)."""

    code = "keys.missing"
    status = 503


class InstanceInsideVenv(HwtraceError):
    """The instance directory would be inside the virtualenv, which a reinstall replaces."""

    code = "instance.inside_venv"
    status = 500


def instance_dir(configured: str | os.PathLike[str] | None) -> Path:
    """Return the instance directory: ``configured``, else ``./instance``; refuse one inside the
    running virtualenv."""
    path = Path(configured) if configured else Path.cwd() / "instance"
    path = path.expanduser().absolute()
    if sys.prefix != sys.base_prefix and path.is_relative_to(Path(sys.prefix).absolute()):
        raise InstanceInsideVenv(
            zh=f"实例目录 {path} 位于虚拟环境 {sys.prefix} 内，重装会丢失数据：请将 "
            "HWTRACE_INSTANCE_DIR 设为虚拟环境以外的目录",
            en=f"the instance directory {path} is inside the virtualenv {sys.prefix}, which a "
            "reinstall replaces: set HWTRACE_INSTANCE_DIR to a directory outside it",
        )
    return path


def _missing(what: str, path: Path) -> KeyMissing:
    return KeyMissing(
        zh=f"{what}不存在：{path}。请先执行 `hwtrace keys init`（或恢复备份中的密钥）",
        en=f"the {what} does not exist at {path}: run `hwtrace keys init` "
        "(or restore it from the backup)",
        detail={"path": str(path)},
    )


def load_signer(path: Path, name: str) -> ledger.Signer:
    """Return the ledger signer kept in ``path``; :class:`KeyMissing` if there is none."""
    if not path.exists():
        raise _missing("台账签名密钥 (ledger signing key)", path)
    return ledger.Signer.load(path, name)


def signer_loader(
    key_file: Path, socket_path: str | None, settings: Any
) -> Callable[[], ledger.Signer | RemoteSigner]:
    """Return what loads the checkpoint signer: the signer process at ``socket_path`` when one
    is configured (the server never reads the key), else the key file."""
    if socket_path:
        return lambda: _remote(Path(socket_path), settings.ledger_origin)
    return lambda: load_signer(key_file, settings.ledger_origin)


def _remote(path: Path, origin: str) -> RemoteSigner:
    try:
        signer = RemoteSigner(path)
    except OSError as err:
        raise KeyMissing(
            zh=f"无法连接台账签名进程 {path}（{err}）：请确认 hwtrace signer serve 正在运行",
            en=f"cannot reach the ledger signer at {path} ({err}): "
            "is `hwtrace signer serve` running?",
            detail={"path": str(path)},
        ) from None
    if signer.name != origin:
        raise KeyMissing(
            zh=f"签名进程的密钥名 {signer.name} 与台账来源 {origin} 不符",
            en=f"the signer's key is named {signer.name}, the ledger's origin is {origin}",
            detail={"path": str(path)},
        )
    return signer


def read_secret(path: Path) -> str | None:
    """Return the session secret kept in ``path``, or None if there is none."""
    return path.read_text().strip() if path.exists() else None


def require_secret(path: Path) -> str:
    """Return the session secret kept in ``path``; :class:`KeyMissing` if there is none."""
    secret = read_secret(path)
    if secret is None:
        raise _missing("会话密钥 (session secret)", path)
    return secret


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file readable by its owner only; never overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


@dataclass(frozen=True)
class KeysReport:
    """What ``init_keys`` found or made."""

    signing_key: Path
    signing_key_created: bool
    vkey: str
    secret: Path | None
    secret_created: bool


def init_keys(signing_key: Path, name: str, secret: Path | None) -> KeysReport:
    """Make the ledger signing key and (unless ``secret`` is None: the secret is configured)
    the session secret where they do not exist yet; keep existing ones untouched."""
    made_key = not signing_key.exists()
    if made_key:
        _write_new(signing_key, ledger.Signer.generate(name).private_bytes())
    made_secret = secret is not None and not secret.exists()
    if secret is not None and made_secret:
        _write_new(secret, secrets.token_hex(32).encode())
    return KeysReport(
        signing_key=signing_key,
        signing_key_created=made_key,
        vkey=load_signer(signing_key, name).vkey,
        secret=secret,
        secret_created=made_secret,
    )
