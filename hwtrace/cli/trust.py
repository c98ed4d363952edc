"""The ledger's outside parties: a witness that cosigns checkpoints, and a signer that keeps the
log's key away from the server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.group()
def witness() -> None:
    """A witness (C2SP tlog-witness) that cosigns other parties' ledger checkpoints."""


@witness.command("init")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    required=True,
    help="the witness's private key file to make (kept by the witness's operator, mode 0600)",
)
@click.option("--name", required=True, help="the witness's name, e.g. witness.bureau.example")
def witness_init(key_file: str, name: str) -> None:
    """Make the witness's Ed25519 key in FILE (never overwritten) and print its verifier key,
    which logs configure in HWTRACE_LEDGER_WITNESSES."""
    from ledger.cosignature import Cosigner

    path = Path(key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Cosigner.generate(name).private_bytes())
    click.echo(Cosigner.load(path, name).key.vkey)


@witness.command("serve")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, exists=True),
    required=True,
    help="the witness's private key file (from `witness init`)",
)
@click.option("--name", required=True, help="the witness's name (as at `witness init`)")
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="the directory of its state: the last checkpoint cosigned per log (back it up)",
)
@click.option(
    "--log",
    "log_keys",
    multiple=True,
    required=True,
    help="a log's verifier key (its name is the checkpoint origin); repeat for several",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="the address to listen on")
@click.option(
    "--port", default=8900, show_default=True, type=int, help="the port to listen on (0: any)"
)
def witness_serve(
    key_file: str, name: str, state_dir: str, log_keys: tuple[str, ...], host: str, port: int
) -> None:
    """Run the witness: POST /add-checkpoint (C2SP tlog-witness) and GET /checkpoint/<origin>
    (the last checkpoint it cosigned for that log). Only one process may use a state
    directory."""
    import fcntl

    import ledger
    from ledger.cosignature import Cosigner
    from ledger.witness import Witness, WitnessState, make_server

    logs = {}
    for k in log_keys:
        try:
            v = ledger.Verifier.from_vkey(k)
        except ledger.BadSignatureError as err:
            raise click.UsageError(f"bad --log key {k!r}: {err}") from None
        logs[v.name] = v
    state = WitnessState(Path(state_dir))
    lock = open(Path(state_dir) / "witness.lock", "w")  # noqa: SIM115 - held while serving
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise click.ClickException(f"another witness serves from {state_dir}") from None
    w = Witness(Cosigner.load(Path(key_file), name), logs, state)
    server = make_server(w, host, port)
    click.echo(
        f"witness {name} on http://{host}:{server.server_address[1]}/ ({w.cosigner.key.vkey})"
    )
    sys.stdout.flush()
    server.serve_forever()


@click.group()
def signer() -> None:
    """The checkpoint signer in its own process: it holds the park's ledger key (the server
    asks it over a local socket and cannot read the key) and signs only checkpoints that extend
    the last one it signed."""


@signer.command("init")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    required=True,
    help="the ledger key file to make (owned by the signer's user, mode 0600)",
)
@click.option("--name", required=True, help="the ledger's origin, e.g. hwtrace.local/PARK")
def signer_init(key_file: str, name: str) -> None:
    """Make the ledger key in FILE (never overwritten) and print its verifier key."""
    from hwtrace.keys import init_keys

    report = init_keys(Path(key_file), name, None)
    click.echo(report.vkey)


@signer.command("serve")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, exists=True),
    required=True,
    help="the ledger key file (the server must not be able to read it)",
)
@click.option("--name", required=True, help="the ledger's origin (the key's name)")
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="where it keeps the last checkpoint it signed (back it up with the key)",
)
@click.option(
    "--socket", "socket_path", type=click.Path(dir_okay=False), required=True, help="Unix socket"
)
def signer_serve(key_file: str, name: str, state_dir: str, socket_path: str) -> None:
    """Serve signatures on a Unix socket (mode 0660: give the server's user the socket's
    group, never the key file)."""
    from ledger.checkpoint import Signer
    from ledger.signer import SigningService, make_server

    service = SigningService(Signer.load(Path(key_file), name), Path(state_dir))
    server = make_server(service, Path(socket_path))
    click.echo(f"signer {name} on {socket_path} ({service.signer.vkey})")
    sys.stdout.flush()
    server.serve_forever()
