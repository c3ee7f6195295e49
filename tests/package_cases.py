"""Cases whose outputs must equal the ``taskcluster`` package's (113.2.0), for
the helpers only that package has or whose output it defines.

``outputs(utils)`` runs every case through a ``utils`` module.  Run as a
script, it imports the ``taskcluster`` installed beside the interpreter and
prints the outputs as JSON; ``tests/golden/package_utils.json`` was written so,
by the real package:

    python3 -m venv /tmp/theirs && /tmp/theirs/bin/pip install taskcluster==113.2.0
    cd / && /tmp/theirs/bin/python <repo>/tests/package_cases.py \\
        > <repo>/tests/golden/package_utils.json

``test_utils.py`` checks this library against that file, and re-runs the real
package when ``TC_PACKAGE_PYTHON`` names its interpreter.
"""

import datetime as dt
import json
import random
import time
import warnings


def _date(y, mo, d, h=0, mi=0, s=0, us=0, offset=None):
    tz = None if offset is None else dt.timezone(dt.timedelta(minutes=offset))
    return dt.datetime(y, mo, d, h, mi, s, us, tzinfo=tz)


DATES = [
    (2026, 11, 24, 10, 11, 15, 123456, 0),
    (2026, 11, 24, 10, 11, 15, 123456, None),
    (2026, 1, 2, 3, 4, 5, 0, None),
    (2026, 1, 2, 3, 4, 5, 0, 0),
    (2026, 1, 2, 3, 4, 5, 7, 120),
    (2026, 1, 2, 3, 4, 5, 0, -330),
    (1999, 12, 31, 23, 59, 59, 999999, 0),
    (2026, 6, 1, 0, 0, 0, 1000, None),
]


def _json_cases():
    when = _date(2026, 11, 24, 10, 11, 15, 123456, 0)
    return [
        ({"a": [1, 2.5, None, True, {"b": b"x\xc3\xa9"}], "t": when}, {}),
        ({"naive": when.replace(tzinfo=None), "east": when.astimezone(
            dt.timezone(dt.timedelta(hours=2))), "\u00e9": "\u00fc \u2603"}, {}),
        ({"b": 1, "a": [when, when.replace(microsecond=0)]}, {"sort_keys": True}),
        ({"a": "\u00e9\u2603"}, {"ensure_ascii": False}),
        ([b"", "", {}, []], {}),
        ("a\nb\t\"c\"", {}),
        ({"expires": when, "nested": {"deadline": when.replace(tzinfo=None)}}, {}),
    ]


TO_STR = [[b"\xc3\xa9"], [5], [b"\xe9", "latin-1"], [None], ["x"], [b""], [1.5]]
B64 = ["ab+/cd==", "++//--__", "", "plain", "-_-_"]
B64_HEADER = ["x" * 100, "", "\u00e9\u2603", "a\nb", "x" * 57, "x" * 58]
EXPIRY_OFFSETS_MS = [-86400000, -1, 0, 500, 60000, 3600000]


def outputs(utils):
    out = {}
    out["stringDate"] = [utils.stringDate(_date(*args)) for args in DATES]
    out["dumpJson"] = [utils.dumpJson(obj, **kwargs) for obj, kwargs in _json_cases()]
    out["toStr"] = [utils.toStr(*args) for args in TO_STR]
    out["makeB64UrlSafe"] = [utils.makeB64UrlSafe(s).decode() for s in B64] + [
        utils.makeB64UrlSafe(s.encode()).decode() for s in B64]
    out["makeB64UrlUnsafe"] = [utils.makeB64UrlUnsafe(s).decode() for s in B64] + [
        utils.makeB64UrlUnsafe(s.encode()).decode() for s in B64]
    out["encodeStringForB64Header"] = [utils.encodeStringForB64Header(s).decode()
                                       for s in B64_HEADER]
    now = int(time.time() * 1000)
    expired = []
    for offset in EXPIRY_OFFSETS_MS:
        cert = {"version": 1, "expiry": now + offset}
        expired.append([utils.isExpired(cert), utils.isExpired(json.dumps(cert))])
    expired.append([utils.isExpired({}), utils.isExpired("{}")])
    out["isExpired"] = expired
    sleeps = []
    for seed in (1, 2, 3):
        random.seed(seed)
        sleeps.append([utils.calculateSleepTime(a) for a in range(-1, 15)])
    out["calculateSleepTime"] = sleeps
    out["constants"] = [utils.MAX_RETRIES, utils.DELAY_FACTOR, utils.RANDOMIZATION_FACTOR,
                        utils.MAX_DELAY]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        matched = utils.scope_match(["a*"], [["ab", "ac"]])
    out["scope_match"] = [matched, [w.category.__name__ for w in caught]]
    return out


if __name__ == "__main__":
    import taskcluster.utils

    print(json.dumps(outputs(taskcluster.utils), indent=1, sort_keys=True, ensure_ascii=True))
