"""``python -m hwtrace.cli``: the same as the ``hwtrace`` command."""

from hwtrace.cli import main

main()
