"""``python -m pda_client`` = ``hwtrace-pda``."""

import sys

from pda_client.cli import main

sys.exit(main())
