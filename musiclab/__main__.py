"""``python -m musiclab`` runs the command line."""

import sys

from musiclab.cli import main

sys.exit(main())
