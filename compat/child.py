"""Run the scenarios under this interpreter's ``taskcluster`` and write what
was observed as JSON.  Started by ``run.py``, once per library:

    python compat/child.py --url URL --closed-url URL --out FILE [NAME ...]

Before each scenario it tells the loopback server which scenario's requests
follow (``POST /_compat/begin/<name>``, sent with urllib so that no HTTP mock
sees it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
import urllib.request
import warnings

from observe import describe
from scenarios import Ctx, load_all

# Straight to the loopback server, whatever the environment's proxies.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def begin(url: str, name: str) -> None:
    request = urllib.request.Request(url + "/_compat/begin/" + name, data=b"", method="POST")
    with _DIRECT.open(request, timeout=10) as answer:
        answer.read()


def run_one(ctx: Ctx, scenario) -> dict:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            observed = {"result": describe(scenario.fn(ctx))}
        except Exception as exc:  # a scenario that breaks is itself an observation
            observed = {"result": {"scenario raised": describe(exc)},
                        "traceback": traceback.format_exc(limit=-3)}
    if caught:
        observed["warnings"] = sorted({w.category.__name__ for w in caught})
    return observed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--closed-url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    import taskcluster
    ctx = Ctx(taskcluster, args.url, args.closed_url)
    scenarios = load_all()
    out = {}
    for name in args.names or list(scenarios):
        begin(args.url, name)
        started = time.perf_counter()
        out[name] = run_one(ctx, scenarios[name])
        out[name]["seconds"] = round(time.perf_counter() - started, 3)
    begin(args.url, "_end")
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
