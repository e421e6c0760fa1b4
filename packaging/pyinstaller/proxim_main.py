"""The frozen build's entry point: the ``proxim`` command."""

import sys

from proxim_tray.cli import main

if __name__ == "__main__":
    sys.exit(main())
