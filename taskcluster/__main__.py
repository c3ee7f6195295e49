"""``python -m taskcluster``: the command line (see ``taskcluster._cli``)."""

import sys

from taskcluster._cli import main

if __name__ == "__main__":
    sys.exit(main(prog_name="python -m taskcluster"))
