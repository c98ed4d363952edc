"""The deployment kit (deploy/): what can be checked on a machine without a Docker engine.

The machines that run these tests have the Docker client but no engine and no Compose plugin,
so the image is not built and the stack is not started here. Instead: hadolint lints the
Dockerfile; the compose file is validated against the Compose Specification's JSON Schema and
its references (build context, Dockerfile, mounted files, settings) are checked; the systemd
units pass `systemd-analyze verify`, and every ExecStart is a real `hwtrace` command line.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from hwtrace.cli import main
from hwtrace.config import DEFAULTS
from tests.ops.conftest import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service")) + sorted(
    (DEPLOY / "systemd").glob("*.timer")
)
INSTALLED = "/opt/hwtrace/venv/bin/hwtrace"
# Read by hwtrace/gunicorn_conf.py rather than the app.
GUNICORN_SETTINGS = {"HWTRACE_BIND", "HWTRACE_WORKERS", "HWTRACE_THREADS"}


def _known(name: str) -> bool:
    return name in GUNICORN_SETTINGS or name.removeprefix("HWTRACE_") in DEFAULTS


def _hwtrace_line(args: list[str]) -> None:
    """The arguments parse as a `hwtrace` command line (options and arguments exist)."""
    r = CliRunner().invoke(main, [*args, "--help"])
    assert r.exit_code == 0, f"hwtrace {' '.join(args)}: {r.output}"


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint missing: it comes with the dev extra (scripts/bootstrap.sh)")
    r = subprocess.run(
        [hadolint, "--no-color", str(DEPLOY / "docker" / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_dockerfile_copies_what_exists_and_runs_hwtrace() -> None:
    text = (DEPLOY / "docker" / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (.+)$", text, flags=re.M):
        *sources, _dest = line.split()
        for src in sources:
            assert (ROOT / src).exists(), src
    entry = json.loads(re.search(r"^ENTRYPOINT (.+)$", text, flags=re.M)[1])
    cmd = json.loads(re.search(r"^CMD (.+)$", text, flags=re.M)[1])
    assert entry == ["hwtrace"]
    _hwtrace_line(cmd)
    for name in re.findall(r"\b(HWTRACE_[A-Z_]+)=", text):
        assert _known(name), name


def test_compose_file_follows_the_compose_specification() -> None:
    compose_dir = DEPLOY / "docker"
    doc = yaml.safe_load((compose_dir / "compose.yaml").read_text())
    schema = json.loads((ROOT / "tests" / "ops" / "data" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(doc)

    services = doc["services"]
    assert set(services) == {"hwtrace", "db", "mqtt"}
    build = services["hwtrace"]["build"]
    context = (compose_dir / build["context"]).resolve()
    assert context == ROOT and (context / build["dockerfile"]).is_file()
    for svc in services.values():
        for mount in svc.get("volumes", []):
            src = mount.split(":", 1)[0]
            if src.startswith("."):
                assert (compose_dir / src).exists(), src
            else:
                assert src in doc["volumes"], src
    env = services["hwtrace"]["environment"]
    assert all(_known(name) for name in env), env
    assert env["HWTRACE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["HWTRACE_DATABASE_URL"].split("@")[1].startswith("db:")
    assert env["HWTRACE_MQTT_URL"] == "mqtt://mqtt:1883"
    assert services["hwtrace"]["depends_on"]["db"]["condition"] == "service_healthy"
    # Every variable the file substitutes is in the example .env.
    example = (compose_dir / "env.example").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", (compose_dir / "compose.yaml").read_text()))
    assert used <= set(re.findall(r"^([A-Z_]+)=", example, flags=re.M)), used


def _exec_starts(unit: Path) -> list[list[str]]:
    return [
        shlex.split(line.split("=", 1)[1])
        for line in unit.read_text().splitlines()
        if line.startswith("ExecStart=")
    ]


def test_systemd_units_verify_and_run_real_hwtrace_commands(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze missing: apt-get install systemd")
    here = str(Path(sys.executable).parent / "hwtrace")
    for unit in UNITS:
        # The units name the installed path; verify them against this checkout's command.
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALLED, here))
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / u.name) for u in UNITS)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr

    services = [u for u in UNITS if u.suffix == ".service"]
    for timer in (u for u in UNITS if u.suffix == ".timer"):
        assert timer.with_suffix(".service") in services, timer
    for unit in services:
        starts = _exec_starts(unit)
        assert starts, unit
        for argv in starts:
            assert argv[0] == INSTALLED, (unit.name, argv)
            _hwtrace_line(argv[1:])
        text = unit.read_text()
        assert "Environment=HWTRACE_INSTANCE_DIR=/var/lib/hwtrace" in text
        assert "StateDirectory=hwtrace" in text and "User=hwtrace" in text
    for line in (DEPLOY / "systemd" / "hwtrace.env").read_text().splitlines():
        if line and not line.startswith("#"):
            assert _known(line.split("=", 1)[0]), line


def test_a_wrong_option_in_a_unit_would_be_caught() -> None:
    with pytest.raises(AssertionError):
        _hwtrace_line(["serve", "--listen", "0.0.0.0"])
    with pytest.raises(AssertionError):
        _hwtrace_line(["ledger", "sign"])
