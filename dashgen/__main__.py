"""`python -m dashgen` and the `dashgen` command. Ctrl-C or SIGTERM while the modules load ends
quietly too: nothing has been written yet."""

import gc
import sys

from dashgen.errors import Interrupted, stop_on_signals


def run() -> None:
    # A command lives for a moment and makes next to no reference cycles: the collector would
    # walk a large app's syntax trees again and again (40% of check's time on a 27,000-line
    # app) and free nothing (the peak memory is the same without it).
    gc.disable()
    stop_on_signals()
    try:
        from dashgen.cli import main
    except Interrupted as interruption:
        print("Interrupted: nothing was written.", file=sys.stderr)
        sys.exit(128 + interruption.signum)
    main()


if __name__ == "__main__":
    run()
