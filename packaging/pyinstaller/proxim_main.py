"""The frozen build's entry point: the ``proxim`` command, and ``proxim -m MODULE`` for the modules Proxim starts as
child processes with ``sys.executable -m`` (the Tk pairing window), since a frozen executable is not a Python."""

import runpy
import sys

from proxim_tray.cli import main

if __name__ == "__main__":
    if sys.argv[1:2] == ["-m"] and len(sys.argv) > 2:
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        sys.exit(main())
