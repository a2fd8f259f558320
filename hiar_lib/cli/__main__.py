"""``python -m hiar_lib.cli``: the ``hiar`` command (what ``torchrun -m`` launches)."""

import sys

from hiar_lib.cli import main

sys.exit(main())
