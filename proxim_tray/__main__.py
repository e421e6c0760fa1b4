import sys

from proxim_tray.cli import main

sys.exit(main())
