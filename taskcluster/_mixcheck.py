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
    "both install 'taskcluster', so neither works.  Fix: "
    "pip uninstall -y taskcluster taskcluster-refclient && pip install taskcluster-refclient "
    "(or reinstall 'taskcluster' alone to keep the official package)"
)


def check() -> None:
    if os.path.isdir(os.path.join(_HERE, "generated")):
        raise ImportError(MESSAGE % _HERE)
