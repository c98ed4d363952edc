"""``hwtrace ledger``: verify the ledger, export bundles, checkpoints, proofs, tiles, and monitor
logs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from hwtrace.cli.common import context, make_app


@click.group("ledger")
def ledger_group() -> None:
    """The tamper-evident ledger: verify, checkpoint, prove, bundle."""


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
@click.option(
    "--witness",
    "witness_keys",
    multiple=True,
    help="with --bundle: a witness's verifier key whose cosignature the bundle must carry "
    "(repeat for several)",
)
@click.option(
    "--against",
    "against",
    multiple=True,
    help="a FILE or URL holding a checkpoint kept elsewhere (an inspector's copy, a witness's "
    "/checkpoint/<origin>, a tiles mirror's checkpoint); repeat for several",
)
def ledger_verify(
    bundle_file: str | None,
    vkey: str | None,
    witness_keys: tuple[str, ...],
    against: tuple[str, ...],
) -> None:
    """Recompute the whole ledger from its rows; exit 1 and name the first bad entry if not.

    Then check it against every cosigned checkpoint it knows (the witnesses' cosignatures it
    kept, the last checkpoint each configured witness cosigned) and each --against FILE|URL:
    exit 1, naming the checkpoint and what is wrong, when the log is shorter than one of them
    or holds another tree at its size.

    With --bundle FILE: check a signed ledger bundle offline (checkpoint signature, every
    entry's canonical bytes and inclusion proof, and with --witness the cosignatures); exit 0
    if it verifies, else 1 with the reason.
    """
    if bundle_file is not None:
        if against:
            raise click.UsageError("--against checks the database, not a bundle")
        _verify_bundle(bundle_file, vkey, list(witness_keys))
        return
    if vkey is not None or witness_keys:
        raise click.UsageError("--vkey and --witness are used with --bundle")
    from hwtrace.progress import progress
    from hwtrace.services import audit

    ctx = context(make_app())
    with progress("verify / 校验", unit="entries") as bar:
        report = audit.verify(ctx, progress=bar.to)
    if not report.ok:
        click.echo(
            f"TAMPERED: first bad sequence number {report.first_bad_seq}: {report.reason}",
            err=True,
        )
        sys.exit(1)
    checks = audit.check_known(ctx)
    for source in against:
        try:
            note = _read_source(source)
        except OSError as err:
            raise click.ClickException(f"cannot read {source}: {err}") from None
        checks.append(audit.check_against(ctx, source, note))
    failed = False
    for c in checks:
        if c.kind == "ok":
            click.echo(f"consistent with the checkpoint of size {c.size} from {c.source}")
        elif c.kind == "unreachable":
            click.echo(f"WARNING: {c.source} {c.problem}", err=True)
        else:
            failed = True
            label = {"shorter": "SHORTER", "inconsistent": "INCONSISTENT"}.get(c.kind, "BAD")
            click.echo(f"{label}: {c.problem}", err=True)
    if failed:
        sys.exit(1)
    click.echo(
        f"OK: {report.size} entries, root {report.root.hex()}, "
        f"{report.checkpoints_checked} signed checkpoints checked"
    )


def _read_source(source: str) -> str:
    """Return the text of a FILE or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        import urllib.request

        with urllib.request.urlopen(source, timeout=10) as resp:
            return str(resp.read().decode("utf-8"))
    return Path(source).read_text("utf-8")


def _verify_bundle(path: str, vkey: str | None, witness_keys: list[str]) -> None:
    """Verify a bundle file with nothing but the file (and the keys): no app, no database."""
    from ledger.verify_cli import check

    status = check(path, vkey, sys.stdout, sys.stderr, witness_keys)
    if status:
        sys.exit(status)


@ledger_group.command("bundle")
@click.option("--enterprise", "uscc", help="only this enterprise's entries (its USCC)")
@click.option("--subject", "subjects", multiple=True, help="only entries about this subject")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), required=True, help="the file to write"
)
def ledger_bundle(uscc: str | None, subjects: tuple[str, ...], output: str) -> None:
    """Write a signed ledger bundle (as the park) that verifies offline with
    `hwtrace ledger verify --bundle FILE`."""

    from hwtrace.domain.errors import HwtraceError
    from hwtrace.services import exports

    ctx = context(make_app())
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
    import ledger
    from hwtrace.services import audit

    ctx = context(make_app())
    if vkey:
        click.echo(ctx.signer.vkey)
        return
    try:
        note = audit.sign_checkpoint(ctx).note
    except ledger.BadSignatureError as err:
        raise click.ClickException(f"the signer refuses / 签名进程拒绝签名: {err}") from None
    click.echo(note, nl=False)


@ledger_group.command("prove")
@click.argument("code", required=False)
@click.option("--since", type=int, help="consistency proof from this tree size")
def ledger_prove(code: str | None, since: int | None) -> None:
    """Print the proofs of every entry of batch CODE, or a consistency proof --since SIZE."""
    from hwtrace.services import audit

    ctx = context(make_app())
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


@ledger_group.command("tiles")
@click.argument("directory", type=click.Path(file_okay=False))
def ledger_tiles(directory: str) -> None:
    """Publish the ledger as C2SP tlog-tiles into DIRECTORY (checkpoint, tile/<L>/<N>,
    tile/entries/<N>) for a static web server; the server does this itself when
    HWTRACE_LEDGER_TILES_DIR is set."""
    from hwtrace.services import audit, checkpoints

    ctx = context(make_app())
    cp = audit.current_checkpoint(ctx)
    written = checkpoints.publish_tiles(ctx, Path(directory), cp)
    click.echo(f"{directory}: tree size {cp.size}, {written} files written")


@ledger_group.command("monitor")
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--vkey",
    "vkeys",
    multiple=True,
    required=True,
    help="the verifier key of each log, in the order of the URLs",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False),
    default="monitor-state.json",
    show_default=True,
    help="where the monitor keeps what it verified of each log",
)
@click.option("--once", is_flag=True, help="check each log once and exit (1 on an alarm)")
@click.option("--interval", default=60.0, show_default=True, help="seconds between polls")
def ledger_monitor(
    urls: tuple[str, ...], vkeys: tuple[str, ...], state: str, once: bool, interval: float
) -> None:
    """Follow one or more parks' ledgers from their C2SP tlog-tiles alone (URL: the tiles
    prefix, where URL/checkpoint is): check each new checkpoint's signature and that it extends
    the last one verified, and raise an alarm (stderr, exit 1 with --once) when a log is
    shortened, forked or rewritten. Needs no database and no API token."""
    import time

    import ledger
    from ledger.monitor import Monitor

    if len(urls) != len(vkeys):
        raise click.UsageError("give one --vkey per URL, in the same order")
    try:
        logs = [(u, ledger.Verifier.from_vkey(k)) for u, k in zip(urls, vkeys, strict=True)]
    except ledger.BadSignatureError as err:
        raise click.UsageError(f"bad --vkey: {err}") from None
    monitor = Monitor(logs, Path(state))
    while True:
        alarms = monitor.poll()
        for alarm in alarms:
            click.echo(str(alarm), err=True)
            if alarm.evidence:
                click.echo(alarm.evidence, err=True, nl=False)
        for url, _v in monitor.logs:
            st = monitor.states.get(url)
            if st is not None:
                click.echo(f"{url}: size {st.size} root {st.root.hex()}")
        if once:
            if alarms:
                sys.exit(1)
            return
        sys.stdout.flush()
        time.sleep(interval)
