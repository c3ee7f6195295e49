"""Refuse to run from a mix of this distribution's files and the official
``taskcluster`` package's.

Both install the ``taskcluster`` import package, and pip lets the second
install overwrite the first one's files while leaving its other files in
place: the result fails later in odd places (the official ``taskcluster.aio``
importing this library's ``client`` module).  The official package always
ships ``generated/`` and this one never does, so one ``stat`` tells.
"""

import os

_HERE = os.path.dirname(os.path.abspath(__file__))

MESSAGE = (
    "the 'taskcluster' import package in %s mixes files of two distributions: "
    "'taskcluster-refclient' (this library) and 'taskcluster' (the official package); "
    "both install 'taskcluster', so neither works.  Fix, with this environment's pip: "
    "pip uninstall -y taskcluster && pip install --force-reinstall %s "
    "(this library is on no package index: install it from a clone or a built wheel).  "
    "To keep the official package instead: pip uninstall -y taskcluster-refclient "
    "taskcluster && pip install taskcluster"
)

# Named in the fix when pip did not record where this library came from.
UNKNOWN_SOURCE = "PATH-TO-A-CLONE-OR-WHEEL-OF-taskcluster-refclient"


def installed_from() -> str:
    """The clone or wheel this library was installed from, as pip recorded it
    (``direct_url.json``, PEP 610), when it is still there; else a placeholder."""
    import json
    from importlib import metadata
    from urllib.parse import unquote, urlsplit

    try:
        text = metadata.distribution("taskcluster-refclient").read_text("direct_url.json")
        url = json.loads(text)["url"] if text else ""
    except (metadata.PackageNotFoundError, ValueError, KeyError, TypeError, OSError):
        return UNKNOWN_SOURCE
    if not url.startswith("file://"):
        return UNKNOWN_SOURCE
    path = unquote(urlsplit(url).path)
    if not os.path.exists(path):
        return UNKNOWN_SOURCE
    return "'%s'" % path.replace("'", "'\\''") if any(c in path for c in " '\"$") else path


def check() -> None:
    if os.path.isdir(os.path.join(_HERE, "generated")):
        raise ImportError(MESSAGE % (_HERE, installed_from()))
