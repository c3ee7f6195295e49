"""``python -m taskcluster``: the command line (see ``taskcluster._cli``)."""

import sys

from taskcluster._cli import run_as_process

if __name__ == "__main__":
    sys.exit(run_as_process(prog_name="python -m taskcluster"))
