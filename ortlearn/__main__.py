"""``python -m ortlearn …`` is the same as the ``ortlearn`` command."""

import sys

from ortlearn.cli import main

sys.exit(main())
