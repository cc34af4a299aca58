"""``python -m nnpes_core.cli``: the same as the ``nnpes`` command."""
import sys

from nnpes_core.cli import main

sys.exit(main())
