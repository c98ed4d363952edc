"""Every command and option of `hwtrace` and `hwtrace-pda` explains itself: a walk over both
command trees fails on a command without a docstring or an option without help; -h, --help and
--version answer."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator

import click
from click.testing import CliRunner

from hwtrace.cli import main
from pda_client.cli import build_parser


def _walk(cmd: click.Command, path: tuple[str, ...] = ("hwtrace",)) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            yield from _walk(sub, (*path, name))


def _command(path: tuple[str, ...]) -> click.Command:
    cmd: click.Command = main
    for name in path[1:]:
        assert isinstance(cmd, click.Group)
        cmd = cmd.commands[name]
    return cmd


def test_every_hwtrace_command_and_option_has_help() -> None:
    missing = []
    paths = list(_walk(main))
    for path in paths:
        cmd = _command(path)
        if not (cmd.help or "").strip():
            missing.append(" ".join(path))
        for param in cmd.params:
            if isinstance(param, click.Option) and not (param.help or "").strip():
                missing.append(f"{' '.join(path)} {param.opts[0]}")
    assert not missing, f"no help text: {missing}"
    assert len(paths) > 15


def test_hwtrace_answers_h_help_and_version() -> None:
    runner = CliRunner()
    for path in _walk(main):
        for flag in ("-h", "--help"):
            r = runner.invoke(main, [*path[1:], flag])
            assert r.exit_code == 0 and "Usage:" in r.output, (path, flag, r.output)
    r = subprocess.run(
        [sys.executable, "-m", "hwtrace.cli", "--version"], capture_output=True, text=True
    )
    assert r.returncode == 0 and r.stdout.startswith("hwtrace, version ")


def _parsers(
    p: argparse.ArgumentParser, path: tuple[str, ...], summary: str | None
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str | None]]:
    """Every parser of the tree with the one-line help its parent lists it with."""
    yield path, p, summary
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name), helps.get(name))


def test_every_hwtrace_pda_command_and_option_has_help() -> None:
    missing = []
    top = build_parser()
    for path, parser, summary in _parsers(top, ("hwtrace-pda",), top.description):
        if not (summary or "").strip():
            missing.append(" ".join(path))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            if not (action.help or "").strip():
                missing.append(f"{' '.join(path)} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, f"no help text: {missing}"
    r = subprocess.run([sys.executable, "-m", "pda_client", "-h"], capture_output=True, text=True)
    assert r.returncode == 0 and "usage: hwtrace-pda" in r.stdout
