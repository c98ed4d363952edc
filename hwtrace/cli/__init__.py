"""The ``hwtrace`` command: database, demo park, server, ledger verification and proofs."""

from typing import Any

import click

from hwtrace.cli import instance, ledger_group, park, trust, workdays
from hwtrace.monitor import monitor_command
from hwtrace.notifier import notify_command
from hwtrace.sweeper import sweep_command


class _Group(click.Group):
    """Turns a missing key or a misplaced instance directory into a clear message (no
    traceback) in every command."""

    def invoke(self, ctx: click.Context) -> Any:
        from hwtrace.keys import InstanceInsideVenv, KeyMissing

        try:
            return super().invoke(ctx)
        except (KeyMissing, InstanceInsideVenv) as err:
            raise click.ClickException(f"{err.message_zh}\n{err.message_en}") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hwtrace", prog_name="hwtrace")
def main() -> None:
    """hwtrace — hazardous-waste traceability (危险废物一笔一码追溯).

    Settings come from HWTRACE_* variables (hwtrace/config.py lists them all); the instance
    directory (database, keys) is HWTRACE_INSTANCE_DIR, by default ./instance. Shell
    completion: eval "$(_HWTRACE_COMPLETE=bash_source hwtrace)" (zsh_source, fish_source).
    """


for command in (
    instance.keys,
    instance.db,
    instance.backup,
    instance.restore,
    park.demo,
    park.serve,
    park.label,
    park.catalogue,
    workdays.calendar,
    ledger_group.ledger_group,
    trust.witness,
    trust.signer,
    monitor_command,
    notify_command,
    sweep_command,
):
    main.add_command(command)
