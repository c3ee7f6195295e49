"""A local fake Taskcluster deployment for tests: real HTTP on loopback,
real Hawk, real scopes, state in memory (``pip install
"taskcluster-refclient[fake]"``).

    from taskcluster.fake import FakeDeployment

    with FakeDeployment() as tc:
        queue = taskcluster.Queue({"rootUrl": tc.rootUrl,
                                   "credentials": tc.rootCredentials})

Importing this package loads nothing else: the deployment, its server and
its services are imported when first used.
"""

from typing import Any

__all__ = ["FakeDeployment", "FakeError", "Redirect", "Call", "Backend"]


def __getattr__(name: str) -> Any:
    if name == "FakeDeployment":
        from ._deployment import FakeDeployment
        return FakeDeployment
    if name in ("FakeError", "Redirect", "Call", "Backend"):
        from . import _service
        return getattr(_service, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def __dir__():
    return sorted(list(globals()) + __all__)
