"""Cross-check the scope-template expansion (``taskcluster._scopetemplates``)
against the Taskcluster API library's own ``expressions.js``.

    python conformance/template_check.py PATH/TO/libraries/api/src/expressions.js \\
        [--cases 4000] [--seed 18] [--node node]

``expressions.js`` is not published on npm (it is part of the monorepo's
``libraries/api``), so it is read from a checkout of the Taskcluster
monorepo given on the command line, copied into a temporary directory beside
a small runner, and run with Node; its one import, lodash, comes from
``node_oracle/node_modules`` (``python node_oracle/nodeenv_setup.py``).

A seeded corpus of templates (strings with ``<param>``s and text that is not
a parameter, ``AllOf``/``AnyOf``, ``for``/``in``/``each``, ``if``/``then``/
``else``, nested) and parameters (strings, numbers, booleans, arrays with
good and bad elements, objects, missing, null) goes through both; for each
case the extracted parameter types and the rendered expression must be
identical, and where Node throws (at construction or rendering) Python must
raise.  Prints the counts; exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from taskcluster._scopetemplates import compile as compile_template  # noqa: E402
from taskcluster.exceptions import TaskclusterInputError  # noqa: E402

_RUNNER = """
import fs from 'node:fs';
import Template from './expressions.js';
const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = cases.map(({template, params}) => {
  let t;
  try { t = new Template(template); } catch (e) { return {compile: 'error'}; }
  const types = Object.fromEntries(t._paramTypes);
  try { return {types, value: t.render(params) ?? null}; } catch (e) { return {types, error: true}; }
});
fs.writeFileSync(process.argv[3], JSON.stringify(out));
"""

NAMES = ["a", "b", "c", "xs", "ys", "flag", "n"]
VALUES = ["v1", "w/2", "", 0, 7, 2.5, 1e-7, 1e21, 0.1 + 0.2, True, False, None, ["e1", "e2"], [],
          ["x", 3, 1e-9],
          [{"o": 1}], {"k": "v"}]


def corpus(count: int, seed: int) -> list:
    rnd = random.Random(seed)

    def text():
        return "".join(rnd.choice(["p:", "/", "<%s>" % rnd.choice(NAMES), "<not-a-name>",
                                   "x", "<>", "<1a>"]) for _ in range(rnd.randint(0, 3)))

    def template(depth=0, root=True):
        r = rnd.random()
        if depth > 3 or r < 0.35:
            return text()
        if r < 0.55:
            return {"AllOf": [template(depth + 1, False) for _ in range(rnd.randint(0, 3))]}
        if r < 0.7:
            return {"AnyOf": [template(depth + 1, False) for _ in range(rnd.randint(0, 3))]}
        if r < 0.85 and not root:
            return {"for": rnd.choice(NAMES), "in": rnd.choice(NAMES), "each": text()}
        out = {"if": rnd.choice(NAMES), "then": template(depth + 1)}
        if rnd.random() < 0.5:
            out["else"] = template(depth + 1)
        return out

    cases = []
    for _ in range(count):
        params = {n: rnd.choice(VALUES) for n in NAMES if rnd.random() < 0.8}
        cases.append({"template": template(), "params": params})
    return cases


def python_side(case: dict) -> dict:
    try:
        t = compile_template(case["template"])
    except ValueError:
        return {"compile": "error"}
    try:
        return {"types": t.params, "value": t.render(case["params"])}
    except TaskclusterInputError:
        return {"types": t.params, "error": True}


def node_side(expressions: str, cases: list, node: str) -> list:
    modules = os.path.join(ROOT, "node_oracle", "node_modules")
    if not os.path.isdir(os.path.join(modules, "lodash")):
        sys.exit("template_check: lodash is missing from node_oracle/node_modules; run "
                 "python node_oracle/nodeenv_setup.py first")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(expressions, os.path.join(tmp, "expressions.js"))
        os.symlink(modules, os.path.join(tmp, "node_modules"))
        with open(os.path.join(tmp, "run.mjs"), "w", encoding="utf-8") as fh:
            fh.write(_RUNNER)
        with open(os.path.join(tmp, "cases.json"), "w", encoding="utf-8") as fh:
            json.dump(cases, fh)
        subprocess.run([node, "run.mjs", "cases.json", "out.json"], cwd=tmp, check=True)
        with open(os.path.join(tmp, "out.json"), encoding="utf-8") as fh:
            return json.load(fh)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("expressions", help="libraries/api/src/expressions.js of a checkout")
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--node", default="node")
    args = parser.parse_args()
    cases = corpus(args.cases, args.seed)
    theirs = node_side(args.expressions, cases, args.node)
    kinds: dict = {}
    differ = 0
    for case, node in zip(cases, theirs):
        ours = python_side(case)
        if ours != node:
            differ += 1
            if differ <= 5:
                print("differs: %s\n  python %s\n  node   %s" % (json.dumps(case), ours, node))
            continue
        kind = "compile error" if "compile" in node else "render error" if "error" in node \
            else "value"
        kinds[kind] = kinds.get(kind, 0) + 1
    print("%d cases: %d identical (%s), %d differ" % (
        len(cases), len(cases) - differ, ", ".join("%d %s" % (n, k) for k, n in
                                                   sorted(kinds.items())), differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
