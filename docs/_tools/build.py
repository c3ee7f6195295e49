"""Build the documentation site into docs/_build/html/ (``python3 dev.py -s docs``).

1. Copy the sources (docs/, without _build and _tools) to docs/_build/src/.
2. Write the generated pages there: the service reference and the schemas
   (genref.py), the command-line reference from its own --help (gencli.py).
3. sphinx-build, every warning an error (-W), so a Markdown link to a
   missing page or heading anchor fails the build.
4. Check every internal link and anchor of the HTML written (linkcheck.py):
   what Sphinx cannot see, such as links inside generated tables.

Nothing in docs/_build/ is committed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.dirname(HERE)
ROOT = os.path.dirname(DOCS)
BUILD = os.path.join(DOCS, "_build")
SRC = os.path.join(BUILD, "src")
HTML = os.path.join(BUILD, "html")

sys.path.insert(0, HERE)


def stage() -> None:
    shutil.rmtree(SRC, ignore_errors=True)
    shutil.copytree(DOCS, SRC, ignore=lambda folder, names: [
        n for n in names if folder == DOCS and n in ("_build", "_tools")
        or n == "__pycache__"])
    add_other_guides(os.path.join(SRC, "index.md"))


def add_other_guides(index: str) -> None:
    """A page of docs/guide/ that index.md does not list (another branch's new
    guide) joins the guides toctree after the listed ones, in the staged copy."""
    with open(index, encoding="utf-8") as fh:
        text = fh.read()
    entries = list(re.finditer(r"^(guide/[\w-]+)$", text, re.M))
    listed = {m.group(1) for m in entries}
    others = sorted("guide/" + name[:-len(".md")]
                    for name in os.listdir(os.path.join(DOCS, "guide"))
                    if name.endswith(".md"))
    others = [name for name in others if name not in listed]
    if not others:
        return
    end = entries[-1].end()
    text = text[:end] + "".join("\n" + name for name in others) + text[end:]
    with open(index, "w", encoding="utf-8") as fh:
        fh.write(text)


# Parts of the package documented from their docstrings once they exist in
# the checkout being built (each is merged from its own branch).
# (title, [(module, members it documents)]): a name two modules share (the
# async module re-exports the sync one's Message) is documented once.
OPTIONAL_API = [
    ("The fake deployment (``taskcluster.fake``)",
     [("taskcluster.fake", ["FakeDeployment"])]),
    ("Pulse (``taskcluster.pulse``, ``taskcluster.aio.pulse``)",
     [("taskcluster.pulse", ["Consumer", "Publisher", "publish", "Message", "PulseError",
                             "PulseConnectionError"]),
      ("taskcluster.aio.pulse", ["Consumer", "Publisher", "publish"])]),
]


def optional_api() -> str:
    """The Python API page's sections for the optional parts present."""
    import importlib

    out = []
    for title, modules in OPTIONAL_API:
        try:
            present = [(module, [name for name in members
                                 if hasattr(importlib.import_module(module), name)])
                       for module, members in modules]
        except ImportError:
            continue
        if not all(members for _, members in present):
            continue
        out += ["", title, "-" * len(title), ""]
        for module, members in present:
            out += [".. automodule:: %s" % module, "   :members: %s" % ", ".join(members), ""]
    return "\n".join(out)


def main() -> int:
    import gencli
    import genref
    import linkcheck

    stage()
    with open(os.path.join(SRC, "api.rst"), "a", encoding="utf-8") as fh:
        fh.write(optional_api())
    genref.main(os.path.join(SRC, "reference"))
    gencli.main(os.path.join(SRC, "reference", "cli.md"))
    shutil.rmtree(HTML, ignore_errors=True)
    # -E: read every source afresh; -W --keep-going: report all warnings, then fail
    done = subprocess.call([sys.executable, "-m", "sphinx", "-b", "html", "-E", "-q", "-W",
                            "--keep-going", "-c", DOCS, SRC, HTML],
                           env=dict(os.environ, TC_DOCS_ROOT=ROOT))
    if done != 0:
        print("docs: sphinx-build failed (warnings are errors; see above)", file=sys.stderr)
        return done
    problems = linkcheck.check(HTML)
    for problem in problems:
        print("docs: broken link: %s" % problem, file=sys.stderr)
    if problems:
        return 1
    print("docs: built %s (internal links and anchors checked)" % os.path.relpath(HTML, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
