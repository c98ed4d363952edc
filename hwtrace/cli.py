"""The ``hwtrace`` command: database, demo park, server, ledger verification and proofs."""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any

import click
from flask import Flask

from hwtrace import migrate
from hwtrace.services.context import Context


def _app() -> Flask:
    from hwtrace.app import create_app

    # The CLI migrates the database itself, so it must start on an old schema too.
    return create_app({"CHECK_SCHEMA": False})


def _ctx(app: Flask) -> Context:
    return app.extensions["hwtrace"]  # type: ignore[no-any-return]


@click.group()
def main() -> None:
    """hwtrace — hazardous-waste traceability (危险废物一笔一码追溯)."""


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Upgrade the database to the newest schema."""
    app = _app()
    migrate.upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"database at {migrate.current(app.config['DATABASE_URL'])}")


@db.command("current")
def db_current() -> None:
    """Print the database's schema revision."""
    app = _app()
    click.echo(migrate.current(app.config["DATABASE_URL"]) or "(empty)")


@db.command("grant-app-role")
@click.argument("role")
def db_grant_app_role(role: str) -> None:
    """PostgreSQL: let ROLE (the server's login role) read and append to the ledger only."""
    import sqlalchemy as sa

    import ledger.schema

    app = _app()
    engine = sa.create_engine(app.extensions["hwtrace"].db.url)
    if engine.dialect.name != "postgresql":
        raise click.ClickException("roles are a PostgreSQL feature; SQLite relies on triggers")
    with engine.begin() as conn:
        ledger.schema.grant_append_only(conn, role)
        q = conn.dialect.identifier_preparer.quote
        app_tables = [t for t in sa.inspect(conn).get_table_names() if not t.startswith("ledger_")]
        for table in app_tables:
            conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {q(table)} TO {q(role)}")
        conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {q(role)}")
    engine.dispose()
    click.echo(
        f"{role}: ledger tables SELECT/INSERT only (head row: UPDATE); app tables read/write"
    )


@main.command()
@click.option("--batches", default=40, show_default=True, help="batches per producer")
def demo(batches: int) -> None:
    """Create the demo park on the configured database and print its logins."""
    from hwtrace.demo import seed

    app = _app()
    migrate.upgrade(app.config["DATABASE_URL"])
    logins = seed(_ctx(app), batches_per_producer=batches)
    click.echo("演示园区已就绪 / demo park ready. Logins (username / password):")
    for row in logins:
        click.echo(
            f"  {row['role']:<12} {row['username']:<14} {row['password']:<14} {row['enterprise']}"
        )
    click.echo(f"database: {app.config['DATABASE_URL']}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=os.cpu_count() or 2, show_default="number of CPUs", type=int)
@click.option(
    "--threads",
    default=2,
    show_default=True,
    type=int,
    help="threads per worker; few, because a writer holding the ledger lock must not wait for "
    "the interpreter lock behind many others (bench/RESULTS.md)",
)
@click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn")
def serve(host: str, port: int, workers: int, threads: int, dev: bool) -> None:
    """Run the server (gunicorn when installed, else Flask's development server)."""
    app = _app()
    migrate.upgrade(app.config["DATABASE_URL"])
    gunicorn = shutil.which("gunicorn") or shutil.which(
        "gunicorn", path=os.path.dirname(sys.executable)
    )
    if dev or gunicorn is None:
        app.run(host=host, port=port, threaded=True)
        return
    os.execv(
        gunicorn,
        [
            gunicorn,
            *("--bind", f"{host}:{port}"),
            *("--workers", str(workers), "--threads", str(threads)),
            # Handhelds and scanners keep their connection open between scans.
            *("--keep-alive", "5"),
            *("--access-logfile", "-"),
            "hwtrace.wsgi:app",
        ],
    )


@main.command()
@click.argument("code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "png", "escpos", "tspl"]),
    default="pdf",
    show_default=True,
)
@click.option("--profile", default=None, help="printer profile, e.g. escpos-4inch, tspl-4inch")
@click.option(
    "--volume",
    type=click.IntRange(1, 100000),
    default=None,
    help="container volume in litres, when the batch has none recorded (sets the label size); "
    "asked on a terminal",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
def label(code: str, fmt: str, profile: str | None, volume: int | None, output: str) -> None:
    """Render the label of batch CODE to a file or device, e.g. -o /dev/rfcomm0 (this renders;
    it records no print)."""
    import sys
    from pathlib import Path

    from hwtrace.domain.errors import HwtraceError
    from hwtrace.services import labels

    ctx = _ctx(_app())

    def render(volume: int | None) -> bytes:
        data, _ = labels.render(
            ctx, actor=None, code=code, fmt=fmt, profile=profile, volume_l=volume
        )
        return data

    try:
        try:
            data = render(volume)
        except labels.VolumeRequired as err:
            if not sys.stdin.isatty():
                raise click.ClickException(
                    f"{err.code}: {err.message_zh}（--volume）/ {err.message_en} (--volume)"
                ) from None
            asked = click.prompt(
                "容器容积 L / container volume in litres", type=click.IntRange(1, 100000)
            )
            data = render(asked)
    except HwtraceError as err:
        raise click.ClickException(f"{err.code}: {err.message_zh} / {err.message_en}") from None
    Path(output).write_bytes(data)
    click.echo(f"{output}: {len(data)} bytes ({fmt})")


@main.group("ledger")
def ledger_group() -> None:
    """The tamper-evident ledger: verify, checkpoint, prove, bundle."""


# Chinese for the fault codes of ledger.bundle.verify_bundle (the library speaks English).
BUNDLE_FAULT_ZH = {
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


@ledger_group.command("verify")
@click.option(
    "--bundle",
    "bundle_file",
    type=click.Path(dir_okay=False),
    help="verify a signed ledger bundle offline (no database) instead of the database",
)
@click.option(
    "--vkey",
    help="with --bundle: the park's published verifier key the bundle must be signed with",
)
def ledger_verify(bundle_file: str | None, vkey: str | None) -> None:
    """Recompute the whole ledger from its rows; exit 1 and name the first bad entry if not.

    With --bundle FILE: check a signed ledger bundle offline (checkpoint signature, every entry's
    canonical bytes and inclusion proof); exit 0 if it verifies, else 1 with the reason.
    """
    if bundle_file is not None:
        _verify_bundle(bundle_file, vkey)
        return
    if vkey is not None:
        raise click.UsageError("--vkey is used with --bundle")
    from hwtrace.services import audit

    report = audit.verify(_ctx(_app()))
    if report.ok:
        click.echo(
            f"OK: {report.size} entries, root {report.root.hex()}, "
            f"{report.checkpoints_checked} signed checkpoints checked"
        )
        return
    click.echo(
        f"TAMPERED: first bad sequence number {report.first_bad_seq}: {report.reason}", err=True
    )
    sys.exit(1)


def _verify_bundle(path: str, vkey: str | None) -> None:
    """Verify a bundle file with nothing but the file (and the key): no app, no database."""
    from pathlib import Path

    from ledger.bundle import verify_bundle

    try:
        data = Path(path).read_bytes()
    except OSError as err:
        click.echo(f"验证失败：无法读取文件 {path}（{err.strerror}）", err=True)
        click.echo(f"FAILED: cannot read {path}: {err.strerror}", err=True)
        sys.exit(1)
    report = verify_bundle(data, vkey=vkey)
    if not report.ok:
        zh = BUNDLE_FAULT_ZH.get(report.code or "", "验证失败")
        where_zh = where_en = ""
        if report.first_bad_index is not None:
            where_zh, where_en = (
                f"第 {report.first_bad_index} 号台账记录：",
                f"entry {report.first_bad_index}: ",
            )
        elif report.first_bad_position is not None:
            where_zh = f"数据包第 {report.first_bad_position + 1} 条记录："
            where_en = f"bundle item {report.first_bad_position}: "
        click.echo(f"验证失败：{where_zh}{zh}", err=True)
        click.echo(f"FAILED ({report.code}): {where_en}{report.reason}", err=True)
        sys.exit(1)
    assert report.root is not None
    click.echo(
        f"验证通过：{report.entries_checked} 条台账记录均包含在 {report.origin} 的签名检查点"
        f"（树大小 {report.tree_size}）中"
    )
    click.echo(
        f"OK: {report.entries_checked} entries proven against the signed checkpoint of "
        f"{report.origin} at tree size {report.tree_size}, root {report.root.hex()}"
    )
    if report.key_pinned:
        click.echo(f"key: {report.vkey} (pinned with --vkey / 已核对园区公钥)")
    else:
        click.echo(
            f"key: {report.vkey} (NOT pinned: pass the park's published key with --vkey / "
            "未核对园区公钥：请用 --vkey 指定园区公布的验证公钥)"
        )


@ledger_group.command("bundle")
@click.option("--enterprise", "uscc", help="only this enterprise's entries (its USCC)")
@click.option("--subject", "subjects", multiple=True, help="only entries about this subject")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
def ledger_bundle(uscc: str | None, subjects: tuple[str, ...], output: str) -> None:
    """Write a signed ledger bundle (as the park) that verifies offline with
    `hwtrace ledger verify --bundle FILE`."""
    from pathlib import Path

    from hwtrace.domain.errors import HwtraceError
    from hwtrace.services import exports

    ctx = _ctx(_app())
    try:
        actor = exports.park_actor(ctx)
        eid = exports.enterprise_by_uscc(ctx, actor=actor, uscc=uscc).id if uscc else None
        data = exports.bundle(ctx, actor=actor, enterprise_id=eid, subjects=list(subjects) or None)
    except HwtraceError as err:
        raise click.ClickException(f"{err.code}: {err.message_zh} / {err.message_en}") from None
    Path(output).write_bytes(data)
    doc = json.loads(data)
    click.echo(
        f"{output}: {len(doc['entries'])} entries, signed checkpoint at tree size "
        f"{doc['tree_size']}; verifier key {doc['vkey']}"
    )


@ledger_group.command("checkpoint")
@click.option("--vkey", is_flag=True, help="print the verifier key instead")
def ledger_checkpoint(vkey: bool) -> None:
    """Sign and print a checkpoint of the ledger (or the public verifier key)."""
    from hwtrace.services import audit

    ctx = _ctx(_app())
    if vkey:
        click.echo(ctx.signer.vkey)
        return
    click.echo(audit.sign_checkpoint(ctx).note, nl=False)


@ledger_group.command("prove")
@click.argument("code", required=False)
@click.option("--since", type=int, help="consistency proof from this tree size")
def ledger_prove(code: str | None, since: int | None) -> None:
    """Print the proofs of every entry of batch CODE, or a consistency proof --since SIZE."""
    from hwtrace.services import audit

    ctx = _ctx(_app())
    if (code is None) == (since is None):
        raise click.UsageError("give a batch CODE or --since SIZE")
    out: dict[str, Any]
    if code is not None:
        out = audit.prove_subject(ctx, subject=code)
        if not out["entries"]:
            raise click.ClickException(f"no ledger entries for {code}")
    else:
        assert since is not None
        cons = audit.consistency(ctx, old_size=since, new_size=None)
        out = {
            "checkpoint": cons["checkpoint"],
            "vkey": cons["vkey"],
            "entries": [],
            "consistency": {
                "old_size": since,
                "old_root": cons["old_root"],
                "proof": cons["proof"],
            },
        }
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
