"""Refresh ``references/`` from a live deployment.

    taskcluster-py references refresh --root-url https://tc.example.com [--dest references]

(also as ``taskcluster-refresh-references`` and ``python -m taskcluster.refresh``)

Reads ``<rootUrl>/references/manifest.json`` and each API and exchanges
document it lists (logs and metrics references are skipped: a client does not
need them), checks each, and writes them as ``<dest>/<service>/v1/<kind>.json``
with a manifest listing what was written.  Then fetches the JSON schemas those
documents name (``input``, ``output``, each exchange's ``schema``) and every
schema their ``$ref``s reach, from ``<rootUrl>/schemas/...``, and writes them
as ``<dest>/schemas/<service>/v1/<name>.json``.  Nothing is written unless
every document was fetched and checked.  The work is done in
``taskcluster._fetchreferences``; this module names it and runs the command.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from ._fetchreferences import (MAX_DOCUMENT_BYTES, TIMEOUT, fetch_references, fetch_schemas,
                               json_getter, write_references, write_schemas)

__all__ = ["fetch_references", "fetch_schemas", "write_references", "write_schemas", "main",
           "json_getter", "MAX_DOCUMENT_BYTES", "TIMEOUT"]


def main(argv: Optional[List[str]] = None) -> int:
    """``taskcluster-refresh-references`` and ``python -m taskcluster.refresh``:
    the command line's ``references refresh`` under its older names (one
    implementation, the same options, messages and exit status)."""
    from ._cli import main as cli_main
    from ._cli.references import refresh

    return cli_main(argv, prog_name="taskcluster-refresh-references", command=refresh)


if __name__ == "__main__":
    sys.exit(main())
