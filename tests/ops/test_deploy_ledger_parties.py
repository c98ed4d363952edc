"""The units of the ledger's other parties: the signer (and the server's drop-in for it) and a
witness. systemd-analyze accepts them and their command lines are real hwtrace commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops.test_deploy import DEPLOY, INSTALLED, _exec_starts, _hwtrace_line

UNITS = [
    DEPLOY / "signer" / "hwtrace-signer.service",
    DEPLOY / "witness" / "hwtrace-witness.service",
]


def test_signer_and_witness_units_verify_and_run_real_commands(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze missing: apt-get install systemd")
    here = str(Path(sys.executable).parent / "hwtrace")
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALLED, here))
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / u.name) for u in UNITS)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    for unit in UNITS:
        starts = _exec_starts(unit)
        assert len(starts) == 1 and starts[0][0] == INSTALLED, unit
        _hwtrace_line(starts[0][1:])
        text = unit.read_text()
        assert "User=hwtrace\n" not in text  # never the server's user
    signer = UNITS[0].read_text()
    assert "RestrictAddressFamilies=AF_UNIX\n" in signer and "PrivateNetwork=yes" in signer


def test_server_drop_in_points_at_the_signer_socket() -> None:
    drop_in = (DEPLOY / "signer" / "hwtrace.service.d" / "signer.conf").read_text()
    signer = (DEPLOY / "signer" / "hwtrace-signer.service").read_text()
    socket = next(
        a
        for a in _exec_starts(DEPLOY / "signer" / "hwtrace-signer.service")[0]
        if a.endswith(".sock")
    )
    assert f"Environment=HWTRACE_LEDGER_SIGNER_SOCKET={socket}" in drop_in
    assert "SupplementaryGroups=hwtrace-signer" in drop_in
    assert "Group=hwtrace-signer" in signer and "UMask=0077" in signer
