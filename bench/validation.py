"""What checking a payload against its schema costs (``validatePayloads``).

    python bench/validation.py [--rounds 5]

Times ``_schemas.check_input`` on the 2 KB ``createTask`` payload of the
other benchmarks (the compiled fastjsonschema validator, and the path and
rule lookup around it), the first check (reading and compiling the schema),
and, when ``jsonschema`` is installed, its ``Draft6Validator`` on the same
payload for comparison.  Prints a markdown table: median [min..max] of the
rounds.  Nothing fails on a timing.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import median_cell as cell  # noqa: E402
from workloads import per_call_us, task_definition  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from taskcluster import _references, _schemas
    entry = _references.load("Queue").entries["createTask"]
    payload = task_definition()
    t = time.perf_counter()
    _schemas.check_input(entry, payload, "Queue.createTask")
    first_ms = (time.perf_counter() - t) * 1e3

    rows = [("first check: read and compile the schema (ms)", "%.1f" % first_ms),
            ("check_input, 2 KB createTask payload (us/call)",
             cell(per_call_us(lambda: _schemas.check_input(entry, payload, "Queue.createTask"),
                              20000, args.rounds)))]
    try:
        import jsonschema
        import referencing
        from referencing.jsonschema import DRAFT6
    except ImportError:
        rows.append(("jsonschema Draft6Validator (us/call)", "not installed"))
    else:
        path = _schemas.schema_path(entry.service, entry.input)
        registry = referencing.Registry(
            retrieve=lambda uri: DRAFT6.create_resource(_schemas._from_shipped(uri)))
        validator = jsonschema.Draft6Validator(_schemas._absolute(path), registry=registry)
        rows.append(("jsonschema %s Draft6Validator, same payload (us/call)"
                     % importlib.metadata.version("jsonschema"),
                     cell(per_call_us(lambda: validator.validate(payload), 300, args.rounds))))
    print("| payload validation | figure (median [min..max] of %d rounds) |" % args.rounds)
    print("|---|---|")
    for name, value in rows:
        print("| %s | %s |" % (name, value))


if __name__ == "__main__":
    main()
