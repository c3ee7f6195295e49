"""The guides' code examples run, so that they cannot rot.

Every ```python block of the site's front page and guides runs, in page order,
in one namespace per page, in a child process of its own (tests/guide_runner.py:
what an example changes, such as ``taskcluster.config``, stays there).  The
environment (``TASKCLUSTER_ROOT_URL``, credentials,
``TASKCLUSTER_PROXY_URL``) points at a real HTTP server on 127.0.0.1: the
loopback server answering as the queue does for the few calls the guides
make, or, for a page that says ``<!-- guide-test: needs taskcluster.fake... -->``,
the fake deployment.

A page that shows tests (``def test_...(taskcluster_fake)``, testing-fake.md)
runs instead as a user's test suite would: its blocks, as one test module at
the page's own line numbers, in a child pytest with the package's
``taskcluster_fake`` plugin, and every test the page shows must pass.  Each
page runs by one of the two ways, never both.

A page that needs a feature this checkout lacks says so in that comment
(``<!-- guide-test: needs taskcluster.pulse.Consumer -->``); its test is
skipped, naming the feature, until the feature is merged, and runs from then
on.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from loopback import LoopbackServer, Recorded, Reply

GUIDES = Path(__file__).resolve().parents[1] / "docs" / "guide"


def _site_guides():
    """The site's front page and its guide pages (every page of docs/guide/)."""
    index = GUIDES.parent / "index.md"
    if not index.is_file():
        return []
    return [index] + sorted(GUIDES.glob("*.md"))


PAGES = _site_guides()
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
# the pages with examples (the others are prose, tables and shell commands)
EXAMPLES = [p for p in PAGES if BLOCK.search(p.read_text(encoding="utf-8"))]
NEEDS = re.compile(r"<!-- guide-test: needs ([\w.]+) -->")

TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"


def _iso(days: float = 0) -> str:
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (when.microsecond // 1000)


class GuideQueue:
    """The queue's answers to the calls the guides make (ping, task, status,
    createTask, listTaskGroup in pages), kept in memory; anything else is a
    404 as the services write one."""

    def __init__(self) -> None:
        self.tasks = {TASK_ID: self._task(name="a guide's task")}
        self.sent = []
        self.url = ""          # the server's, once it listens (for artifact URLs)
        self.artifact = b"PK\x05\x06" + bytes(18)   # an empty zip file

    @staticmethod
    def _task(name: str, group: str = TASK_ID) -> dict:
        return {"taskQueueId": "proj-example/ci", "schedulerId": "-", "taskGroupId": group,
                "created": _iso(), "deadline": _iso(1), "expires": _iso(365), "payload": {},
                "metadata": {"name": name, "description": "d", "owner": "me@example.com",
                             "source": "https://example.com"}}

    def _status(self, taskId: str) -> dict:
        return {"taskId": taskId, "taskQueueId": "proj-example/ci", "schedulerId": "-",
                "taskGroupId": self.tasks[taskId]["taskGroupId"], "state": "pending",
                "runs": [], "retriesLeft": 5, "deadline": self.tasks[taskId]["deadline"],
                "expires": self.tasks[taskId]["expires"]}

    def __call__(self, rec: Recorded):
        self.sent.append(rec)
        path, query = rec.path, parse_qs(rec.query)
        if path == "/api/queue/v1/ping":
            return Reply(200, {"alive": True, "uptime": 1.0})
        found = re.fullmatch(r"/api/queue/v1/task/([\w-]{22})(/status)?", path)
        if found and rec.method == "PUT" and not found.group(2):
            task = json.loads(rec.body)
            task.setdefault("taskGroupId", found.group(1))
            task.setdefault("expires", _iso(365))
            self.tasks[found.group(1)] = task
            return Reply(200, {"status": self._status(found.group(1))})
        if found and rec.method == "GET" and found.group(1) in self.tasks:
            taskId = found.group(1)
            return Reply(200, {"status": self._status(taskId)} if found.group(2)
                         else self.tasks[taskId])
        found = re.fullmatch(r"/api/queue/v1/task/([\w-]{22})/artifact-content/(.+)", path)
        if found and rec.method == "GET" and found.group(1) in self.tasks:
            # as the queue answers for an s3 artifact: where to GET it
            return Reply(200, {"storageType": "s3",
                               "url": "%s/storage/%s" % (self.url, found.group(2))})
        if path.startswith("/storage/") and rec.method == "GET":
            return Reply(200, self.artifact, {"Content-Type": "application/zip"})
        found = re.fullmatch(r"/api/queue/v1/task-group/([\w-]{22})/list", path)
        if found and rec.method == "GET":
            entries = [{"status": self._status(t), "task": task}
                       for t, task in self.tasks.items() if task["taskGroupId"] == found.group(1)]
            # two pages, so that pagination is exercised
            if "continuationToken" not in query:
                return Reply(200, {"taskGroupId": found.group(1), "tasks": entries[:1],
                                   "continuationToken": "page-2"})
            return Reply(200, {"taskGroupId": found.group(1), "tasks": entries[1:]})
        return Reply(404, {"code": "ResourceNotFound",
                           "message": "no such resource: %s %s" % (rec.method, path),
                           "requestInfo": {}})


def _needs(text: str):
    """The feature a page names in a ``guide-test: needs`` line that the
    package lacks (else None)."""
    for feature in NEEDS.findall(text):
        module, _, attribute = feature.rpartition(".")
        try:
            found = getattr(importlib.import_module(module), attribute, None)
        except ImportError:
            found = None
        if found is None:
            try:
                importlib.import_module(feature)
            except ImportError:
                return feature
    return None


RUNNER = Path(__file__).resolve().parent / "guide_runner.py"


def run_page(page: Path, tmp_path: Path, cwd: Path, env: dict, fake: bool = False) -> dict:
    """Run ``page``'s examples in a child process; what it reports."""
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, str(RUNNER), str(page), str(report)]
                          + (["--fake"] if fake else []),
                          cwd=str(cwd), env=dict(os.environ, **env), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, "%s's examples failed:\n%s" % (page.name, done.stderr)
    result = json.loads(report.read_text(encoding="utf-8"))
    result["stdout"] = done.stdout
    return result


TEST_DEF = re.compile(r"^def (test_\w+)\(", re.M)
GUARD = """\
import sys

sys.path.insert(0, %r)
import guide_runner

guide_runner._loopback_only()
"""


def run_as_test_suite(page: Path, tmp_path: Path) -> None:
    """``page``'s blocks as one test module (each block at its line of the
    page, so that a failure points into the page), run by a child pytest with
    the ``taskcluster_fake`` plugin as a user's suite runs them: every test the
    page defines passes.  A conftest.py keeps name lookups to the loopback."""
    text = page.read_text(encoding="utf-8")
    source, offset = "", 0
    for block in BLOCK.findall(text):
        offset = text.index(block, offset)
        source += "\n" * (text.count("\n", 0, offset) - source.count("\n")) + block
    tests = [name for block in BLOCK.findall(text) for name in TEST_DEF.findall(block)]
    assert tests and len(set(tests)) == len(tests), tests    # none shadows another
    module = tmp_path / ("test_guide_%s.py" % page.stem.replace("-", "_"))
    module.write_text(source, encoding="utf-8")
    (tmp_path / "conftest.py").write_text(GUARD % str(RUNNER.parent), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCLUSTER_")}
    # The plugin is named with -p, so the same module is not also loaded by the
    # pytest11 entry point of an installed package (pytest refuses it twice).
    env.update(PYTHONPATH=str(GUIDES.parent.parent), NO_PROXY="*",
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "taskcluster.fake.pytest_plugin", "-W", "error",
                           "-rA", str(module)],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    passed = re.findall(r"^PASSED \S+::(test_\w+)", done.stdout, re.M)
    assert sorted(passed) == sorted(tests), done.stdout[-4000:]


LOOPBACK_ENV = {"TASKCLUSTER_CLIENT_ID": "guide-reader",
                "TASKCLUSTER_ACCESS_TOKEN": "guide-reader-token"}


@pytest.mark.parametrize("page", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_guide_examples_run(page, tmp_path):
    text = page.read_text(encoding="utf-8")
    missing = _needs(text)
    if missing:
        pytest.fail("%s says it needs %s, which the package does not have: the page "
                    "describes what does not exist" % (page.name, missing))
    if TEST_DEF.search(text):
        run_as_test_suite(page, tmp_path)
        return
    if any(f.startswith("taskcluster.fake") for f in NEEDS.findall(text)):
        run_page(page, tmp_path, GUIDES, {}, fake=True)
        return
    queue = GuideQueue()
    with LoopbackServer() as server:
        queue.url = server.url
        server.respond(queue)
        result = run_page(page, tmp_path, GUIDES, dict(
            LOOPBACK_ENV, TASKCLUSTER_ROOT_URL=server.url, TASKCLUSTER_PROXY_URL=server.url))
    # what was signed, was signed with the environment's credentials (a call
    # through TASKCLUSTER_PROXY_URL is unsigned: the proxy signs it)
    for rec in queue.sent:
        authorization = rec.headers.get("authorization")
        assert authorization is None or authorization.startswith('Hawk id="guide-reader"'), rec
    assert "guide-reader-token" not in result["stdout"]


def test_the_readme_examples_run(tmp_path):
    """The README's ```python blocks, in order, in one namespace, against the
    loopback queue; the download lands in the working directory."""
    readme = GUIDES.parent.parent / "README.md"
    if not readme.is_file():
        pytest.skip("README.md is not shipped with an installed package; run from a checkout")
    assert len(BLOCK.findall(readme.read_text(encoding="utf-8"))) >= 3
    queue = GuideQueue()
    work = tmp_path / "work"
    work.mkdir()
    with LoopbackServer() as server:
        queue.url = server.url
        server.respond(queue)
        result = run_page(readme, tmp_path, work, dict(LOOPBACK_ENV,
                                                       TASKCLUSTER_ROOT_URL=server.url))
    assert (work / "app.zip").read_bytes() == queue.artifact
    taskId = result["names"]["taskId"]
    assert taskId in queue.tasks                         # createTask arrived
    assert "a guide's task pending" in result["stdout"]
    assert "%s pending" % taskId in result["stdout"]
    signed = [r for r in queue.sent if not r.path.startswith("/storage/")]
    assert signed and all(r.headers["authorization"].startswith('Hawk id="guide-reader"')
                          for r in signed)


def test_every_guide_page_is_found():
    assert len(PAGES) >= 11, [p.name for p in PAGES]
    assert len(EXAMPLES) >= 9, [p.name for p in EXAMPLES]
