"""``hwtrace-verify FILE [--vkey KEY]``: an inspector's offline check of a signed ledger bundle.

Needs nothing but the standard library and ``cryptography`` (no database, no web server, no
POSIX-only module), so it runs on an office laptop with Windows, macOS or Linux::

    pip install --no-deps hwtrace-<version>-py3-none-any.whl
    pip install cryptography
    hwtrace-verify bundle.json --vkey <the park's published verifier key>

Exit 0 when every entry's canonical bytes and inclusion proof lead to the signed checkpoint,
else 1 with the reason in Chinese and English. ``hwtrace ledger verify --bundle`` is the same
check.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata
from pathlib import Path
from typing import TextIO

from ledger.bundle import verify_bundle
from ledger.cosignature import CosignerKey, cosigned_by
from ledger.errors import BadSignatureError

# Chinese for the fault codes of verify_bundle (the library's reasons are English).
FAULT_ZH = {
    "bundle.malformed": "文件不是有效的台账数据包",
    "bundle.unsupported_format": "不支持的台账数据包格式或版本",
    "bundle.key_mismatch": "数据包的验证公钥与指定的园区公钥不一致",
    "bundle.bad_key": "验证公钥无效",
    "bundle.bad_signature": "检查点签名验证失败（签名缺失、错误，或检查点被改动）",
    "bundle.head_mismatch": "数据包所述的来源、树大小或根哈希与签名检查点不一致",
    "bundle.bad_entry": "台账记录格式错误",
    "bundle.duplicate_index": "台账记录序号重复",
    "bundle.index_out_of_range": "台账记录序号超出签名检查点的范围",
    "bundle.not_canonical": "台账记录的字节不是规范格式（记录已被改动）",
    "bundle.wrong_place": "台账记录的序号或所属台账与其位置不符",
    "bundle.bad_proof": "台账记录的包含证明推导不出签名的根哈希（记录或证明已被改动）",
}


def check_cosignatures(data: bytes, witness_keys: list[str], err: TextIO) -> str | None:
    """Return None if the bundle's checkpoint carries a valid cosignature of every witness in
    ``witness_keys`` (verifier keys), else a line naming what is missing; report it on ``err``."""
    try:
        keys = [CosignerKey.from_vkey(k) for k in witness_keys]
    except BadSignatureError as exc:
        print(f"验证失败：见证方公钥无效（{exc}）", file=err)
        print(f"FAILED (bundle.bad_witness_key): {exc}", file=err)
        return str(exc)
    note = json.loads(data)["checkpoint"]
    found = cosigned_by(note, keys)
    missing = [k.name for k in keys if k.name not in found]
    if missing:
        print(f"验证失败：检查点缺少见证方 {', '.join(missing)} 的有效联署签名", file=err)
        print(
            f"FAILED (bundle.not_cosigned): the checkpoint carries no valid cosignature by "
            f"{', '.join(missing)}",
            file=err,
        )
        return ", ".join(missing)
    return None


def check(
    path: str,
    vkey: str | None,
    out: TextIO,
    err: TextIO,
    witness_keys: list[str] | None = None,
) -> int:
    """Verify the bundle file at ``path`` (and, with ``witness_keys``, that those witnesses
    cosigned its checkpoint); write the result; return the exit status."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        print(f"验证失败：无法读取文件 {path}（{exc.strerror}）", file=err)
        print(f"FAILED: cannot read {path}: {exc.strerror}", file=err)
        return 1
    report = verify_bundle(data, vkey=vkey)
    if not report.ok:
        zh = FAULT_ZH.get(report.code or "", "验证失败")
        where_zh = where_en = ""
        if report.first_bad_index is not None:
            where_zh = f"第 {report.first_bad_index} 号台账记录："
            where_en = f"entry {report.first_bad_index}: "
        elif report.first_bad_position is not None:
            where_zh = f"数据包第 {report.first_bad_position + 1} 条记录："
            where_en = f"bundle item {report.first_bad_position}: "
        print(f"验证失败：{where_zh}{zh}", file=err)
        print(f"FAILED ({report.code}): {where_en}{report.reason}", file=err)
        return 1
    assert report.root is not None
    if witness_keys and check_cosignatures(data, witness_keys, err) is not None:
        return 1
    print(
        f"验证通过：{report.entries_checked} 条台账记录均包含在 {report.origin} 的签名检查点"
        f"（树大小 {report.tree_size}）中",
        file=out,
    )
    print(
        f"OK: {report.entries_checked} entries proven against the signed checkpoint of "
        f"{report.origin} at tree size {report.tree_size}, root {report.root.hex()}",
        file=out,
    )
    if witness_keys:
        print(f"cosigned by / 见证方联署: {', '.join(witness_keys)}", file=out)
    if report.key_pinned:
        print(f"key: {report.vkey} (pinned with --vkey / 已核对园区公钥)", file=out)
    else:
        print(
            f"key: {report.vkey} (NOT pinned: pass the park's published key with --vkey / "
            "未核对园区公钥：请用 --vkey 指定园区公布的验证公钥)",
            file=out,
        )
    return 0


def _version() -> str:
    try:
        return metadata.version("hwtrace")
    except metadata.PackageNotFoundError:  # run from a source tree
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    """The ``hwtrace-verify`` command."""
    for stream in (sys.stdout, sys.stderr):  # a Windows console's code page may lack Chinese
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    parser = argparse.ArgumentParser(
        prog="hwtrace-verify",
        description="Check a signed hwtrace ledger bundle offline (离线核验台账数据包): the "
        "checkpoint's signature, every entry's canonical bytes and its inclusion proof.",
    )
    parser.add_argument("bundle", help="the bundle file (hwtrace ledger bundle -o FILE)")
    parser.add_argument(
        "--vkey", help="the park's published verifier key the bundle must be signed with"
    )
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        help="a witness's verifier key whose cosignature the checkpoint must carry (repeatable)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    args = parser.parse_args(argv)
    return check(args.bundle, args.vkey, sys.stdout, sys.stderr, args.witness)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
