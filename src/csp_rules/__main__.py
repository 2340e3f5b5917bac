"""``python -m csp_rules`` runs the ``csp-rules`` command line."""

import sys

from .cli import main

sys.exit(main())
