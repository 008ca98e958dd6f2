"""`python -m dashgen` and the `dashgen` command. Ctrl-C or SIGTERM while the modules load ends
quietly too: nothing has been written yet."""

import sys

from dashgen.errors import Interrupted, stop_on_signals


def run() -> None:
    stop_on_signals()
    try:
        from dashgen.cli import main
    except Interrupted as interruption:
        print("Interrupted: nothing was written.", file=sys.stderr)
        sys.exit(128 + interruption.signum)
    main()


if __name__ == "__main__":
    run()
