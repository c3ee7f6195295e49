"""Run the ```python blocks of a Markdown page, in order, in one namespace, in
this process (tests/test_guides.py starts one per page, so that what an example
changes, such as ``taskcluster.config``, stays in it).

    python guide_runner.py PAGE REPORT [--fake]

The environment names the deployment (``TASKCLUSTER_ROOT_URL``, ...).  With
``--fake``, a ``taskcluster.fake.FakeDeployment`` is started here instead and
the environment pointed at it.  (A page that shows pytest tests is not run
here: tests/test_guides.py runs it in a child pytest with the real
``taskcluster_fake`` plugin.)  REPORT receives a JSON object: the page's
top-level names bound to a str.  As in the tests, a name lookup for anything
but the loopback fails at once.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys

BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "")


def _loopback_only() -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else (host or "")
        if name not in _LOOPBACK and not name.startswith("127."):
            raise AssertionError("a guide example tried to resolve %r: only 127.0.0.1 "
                                 "is reachable in the tests" % name)
        return real(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def run_blocks(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    namespace: dict = {"__name__": "guide_" + os.path.splitext(os.path.basename(path))[0]}
    offset = 0
    for block in BLOCK.findall(text):
        # keep the page's line numbers in tracebacks
        offset = text.index(block, offset)
        code = compile("\n" * text.count("\n", 0, offset) + block, path, "exec")
        exec(code, namespace)   # noqa: S102 - the repository's own documentation
    return namespace


def main(argv) -> int:
    path, report = argv[0], argv[1]
    fake = "--fake" in argv[2:]
    _loopback_only()
    if fake:
        from taskcluster.fake import FakeDeployment
        with FakeDeployment() as deployment:
            os.environ.pop("TASKCLUSTER_CERTIFICATE", None)
            os.environ["TASKCLUSTER_ROOT_URL"] = deployment.rootUrl
            os.environ["TASKCLUSTER_CLIENT_ID"] = deployment.rootCredentials["clientId"]
            os.environ["TASKCLUSTER_ACCESS_TOKEN"] = deployment.rootCredentials["accessToken"]
            namespace = run_blocks(path)
    else:
        namespace = run_blocks(path)
    with open(report, "w", encoding="utf-8") as fh:
        json.dump({"names": {k: v for k, v in namespace.items()
                             if isinstance(v, str) and not k.startswith("__")}}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
