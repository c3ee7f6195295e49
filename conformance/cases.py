"""The conformance cases: data, generated over the references.

Every case is a JSON object in the oracle's format (see node_oracle/README.md):
Python and Node run the same case and their outputs are compared byte for
byte.  Generation is deterministic: the same references give the same cases.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterator, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCES = os.path.join(ROOT, "references")

# Fixed inputs.  Times are milliseconds / seconds since the epoch.
NOW_MS = 1795000000123
TS = 1795000000
PERMANENT = {"clientId": "tester/conformance", "accessToken": "no-secret-at-all-0123456789-abcdefXYZ"}
CERT = {"version": 1, "scopes": ["queue:get-artifact:private/*", "ünïcode:scope"],
        "start": 1795000000123, "expiry": 1795086400456,
        "seed": "b0sxJ3ePRUquqXN3Re6cQQ9sPCakNqRwO3dNqCu9QoYA",
        "signature": "kKRzZyLEaLt+Wd2XAOaw2zRkF1c9mnq8+VBhZ7ehxEE=",
        "issuer": "tester/conformance"}
TEMPORARY_STR = {"clientId": "tester/temp", "accessToken": "tmp-TOKEN_abcdefghijklmnopqrstuvwxyz01234",
                 "certificate": json.dumps(CERT, separators=(",", ":"), ensure_ascii=False)}
TEMPORARY_DICT = {"clientId": "tester/temp", "accessToken": "tmp-TOKEN_abcdefghijklmnopqrstuvwxyz01234",
                  "certificate": CERT}
SCOPES_PLAIN = ["queue:create-task:highest:proj-x/*", "secrets:get:garbage/*"]
SCOPES_UNICODE = ["index:insert-task:ünïcödé.名前", "notify:email:*", ""]

# Credential settings rotated over the cases: (credentials, authorizedScopes).
AUTH_VARIANTS = [
    (PERMANENT, None),
    (PERMANENT, SCOPES_PLAIN),
    (TEMPORARY_STR, None),
    (TEMPORARY_DICT, SCOPES_UNICODE),
    (PERMANENT, []),
]
ROOT_URLS = ["https://tc.example.com", "https://tc.example.com/", "http://localhost:8080",
             "https://Taskcluster.Example.NET:4443"]
REQUEST_ROOTS = ["http://taskcluster.example.com", "http://tc.test:8080"]

# Values for route arguments by name; anything else gets a slug-like value.
ARG_VALUES = {
    "taskId": "fN1SbArXTPSVFNUvaOlinQ", "taskGroupId": "dSlITZ4yQgmvxxAi4A8fHQ",
    "runId": 0, "name": "public/build/target.tar.gz", "provisionerId": "proj-x",
    "workerType": "linux-64", "workerGroup": "us-east-1", "workerId": "i-0123456789",
    "namespace": "project.proj-x.latest", "indexPath": "project.proj-x.latest.linux",
    "hookGroupId": "proj-x", "hookId": "nightly/build", "clientId": "project/proj-x/ci",
    "roleId": "repo:github.com/org/repo:*", "level": "3", "project": "proj-x",
    "cacheName": "level-3-checkouts", "workerPoolId": "proj-x/linux", "owner": "org",
    "repo": "repo", "branch": "main", "sha": "0123456789abcdef", "bucket": "a-bucket",
    "prefix": "prefix/with/slashes", "taskQueueId": "proj-x/linux-64", "address": "a@b.example",
    "channelId": "channel-1", "type": "email", "notificationType": "email", "userId": "u1",
    "ruleId": "rule-1", "uploadId": "up-1", "role": "role-1", "email": "x@example.com",
}
QUERY_VALUES = {"continuationToken": "tok/en+with spaces&more=1", "limit": 17,
                "expires": "2026-11-24T10:11:15.123Z", "prefix": "pre fix/", "workerPoolId": "p/q",
                "launchConfigId": "lc-1", "workerGroup": "wg", "workerId": "wi",
                "state": "running", "reason": "a reason", "isQuarantined": "true",
                "taskQueueId": "proj-x/linux-64"}

# Awkward values for route arguments and query values (hand-picked edges).
EDGE_VALUES = [
    "ünïcödé/名前", "with space", "slash/inside", "question?mark", "hash#tag",
    "amp&ersand", "plus+sign", "percent%25sign", "it's quoted", "a/b?c#d&e+f%g'h",
    "semi;colon,comma", "tilde~star*bang!(paren)", "emoji 🐉", "ctrl\tchar",
]

PAYLOAD = {"ascii": "plain", "unicode": "ünïcödé 名前 🐉", "number": 42, "float": 1.5,
           "nested": {"list": [1, "two", None, True, False], "empty": {}},
           "escapes": "quote\" backslash\\ newline\n tab\t",
           "deadline": "2026-11-24T10:11:15.123Z"}


def _load(service: str, kind: str) -> Dict[str, Any]:
    with open(os.path.join(REFERENCES, service, "v1", kind + ".json"), encoding="utf-8") as fh:
        return json.load(fh)


def services() -> Iterator[tuple]:
    """(className, service dir, kind) for every client class."""
    from taskcluster._references import SERVICES
    for class_name, (service, kind) in SERVICES.items():
        yield class_name, service, kind


def _args(entry: Dict[str, Any]) -> List[Any]:
    return [ARG_VALUES.get(a, "value-of-%s" % a) for a in entry["args"]]


def _query(entry: Dict[str, Any]) -> Dict[str, Any]:
    return {q: QUERY_VALUES.get(q, "q-%s" % q) for q in entry.get("query", [])}


def _auth(i: int) -> Dict[str, Any]:
    creds, scopes = AUTH_VARIANTS[i % len(AUTH_VARIANTS)]
    out: Dict[str, Any] = {"credentials": creds}
    if scopes is not None:
        out["authorizedScopes"] = scopes
    return out


def functions() -> Iterator[tuple]:
    """(index, className, service dir, entry) for every function entry."""
    i = 0
    for class_name, service, kind in services():
        if kind != "api":
            continue
        for e in _load(service, "api")["entries"]:
            if e["type"] == "function":
                yield i, class_name, service, e
                i += 1


def url_cases() -> List[Dict[str, Any]]:
    cases = []
    for i, class_name, service, e in functions():
        base = {"service": service, "class": class_name, "method": e["name"],
                "args": _args(e)}
        root = ROOT_URLS[i % len(ROOT_URLS)]
        cases.append({"kind": "buildUrl", "id": "url/%s.%s" % (class_name, e["name"]),
                      "rootUrl": root, **base})
        if e.get("query"):
            cases.append({"kind": "buildUrl", "id": "url/%s.%s+query" % (class_name, e["name"]),
                          "rootUrl": root, "query": _query(e), **base})
        if e["method"] == "get":
            cases.append({"kind": "buildSignedUrl",
                          "id": "signed/%s.%s" % (class_name, e["name"]),
                          "rootUrl": root, "now": NOW_MS, **_auth(i), **base})
            extra: Dict[str, Any] = {"expiration": [1, 3600, 31 * 24 * 3600][i % 3]}
            if e.get("query"):
                extra["query"] = _query(e)
            cases.append({"kind": "buildSignedUrl",
                          "id": "signed/%s.%s+options" % (class_name, e["name"]),
                          "rootUrl": root, "now": NOW_MS + i, **_auth(i + 1), **base,
                          **extra})
    return cases


def request_cases() -> List[Dict[str, Any]]:
    cases = []
    for i, class_name, service, e in functions():
        case: Dict[str, Any] = {
            "kind": "request", "id": "request/%s.%s" % (class_name, e["name"]),
            "service": service, "class": class_name, "method": e["name"],
            "args": _args(e), "rootUrl": REQUEST_ROOTS[i % 2],
            "ts": TS + i, "nonce": "n%05d" % i}
        if i % 6 != 5:  # every sixth request is anonymous
            case.update(_auth(i))
        if e.get("input"):
            case["payload"] = dict(PAYLOAD, entry=e["name"])
        if e.get("query") and i % 2 == 0:
            case["query"] = _query(e)
        cases.append(case)
    return cases


def edge_cases() -> List[Dict[str, Any]]:
    """Awkward characters in route arguments and query values."""
    cases = []
    for j, value in enumerate(EDGE_VALUES):
        args = ["fN1SbArXTPSVFNUvaOlinQ", j, value]
        base = {"service": "queue", "class": "Queue", "method": "getArtifact", "args": args}
        cases.append({"kind": "buildUrl", "id": "edge/url/%d" % j,
                      "rootUrl": "https://tc.example.com", **base})
        cases.append({"kind": "buildSignedUrl", "id": "edge/signed/%d" % j,
                      "rootUrl": "https://tc.example.com", "now": NOW_MS, **_auth(j), **base})
        cases.append({"kind": "request", "id": "edge/request/%d" % j,
                      "rootUrl": "http://taskcluster.example.com", "ts": TS, "nonce": "e%05d" % j,
                      **_auth(j), **base})
        qbase = {"service": "queue", "class": "Queue", "method": "listTaskGroup",
                 "args": [value], "query": {"continuationToken": value, "limit": j}}
        cases.append({"kind": "buildUrl", "id": "edge/url-query/%d" % j,
                      "rootUrl": "https://tc.example.com", **qbase})
        cases.append({"kind": "buildSignedUrl", "id": "edge/signed-query/%d" % j,
                      "rootUrl": "https://tc.example.com", "now": NOW_MS, **_auth(j + 1), **qbase})
        cases.append({"kind": "request", "id": "edge/request-query/%d" % j,
                      "rootUrl": "http://tc.test:8080", "ts": TS, "nonce": "q%05d" % j,
                      **_auth(j + 2), **qbase})
        cases.append({"kind": "request", "id": "edge/request-payload/%d" % j,
                      "rootUrl": "http://tc.test:8080", "ts": TS, "nonce": "p%05d" % j,
                      **_auth(j + 3), "service": "secrets", "class": "Secrets", "method": "set",
                      "args": [value], "payload": {"secret": {"v": value}, "expires": value}})
    # expirations at the bounds, and refusals both clients must make
    for exp in (1, 31 * 24 * 3600):
        cases.append({"kind": "buildSignedUrl", "id": "edge/expiration/%d" % exp,
                      "rootUrl": "https://tc.example.com", "now": NOW_MS, "expiration": exp,
                      "service": "queue", "class": "Queue", "method": "task",
                      "args": ["fN1SbArXTPSVFNUvaOlinQ"], **_auth(0)})
    refusals = [
        ("buildUrl", "task", [True]), ("buildUrl", "task", [None]),
        ("buildUrl", "task", []), ("buildUrl", "task", ["a", "b"]),
        ("buildUrl", "getArtifact", ["t", {"x": 1}, "n"]),
        ("buildSignedUrl", "createTask", ["t"]),
    ]
    for k, (kind, method, args) in enumerate(refusals):
        case = {"kind": kind, "id": "edge/refused/%d" % k, "rootUrl": "https://tc.example.com",
                "service": "queue", "class": "Queue", "method": method, "args": args,
                "now": NOW_MS, **_auth(0)}
        cases.append(case)
    cases.append({"kind": "buildUrl", "id": "edge/refused/unknown-query",
                  "rootUrl": "https://tc.example.com", "service": "queue", "class": "Queue",
                  "method": "listTaskGroup", "args": ["g"], "query": {"nope": 1}})
    cases.append({"kind": "buildSignedUrl", "id": "edge/refused/no-credentials",
                  "rootUrl": "https://tc.example.com", "service": "queue", "class": "Queue",
                  "method": "task", "args": ["t"], "now": NOW_MS, "credentials": {}})
    # An empty route argument: Node sends the empty path segment; Python
    # refuses it before sending (by design, see compare.py).
    empty = {"service": "queue", "class": "Queue", "method": "getArtifact",
             "args": ["fN1SbArXTPSVFNUvaOlinQ", 0, ""]}
    cases.append({"kind": "buildUrl", "id": "edge/empty-arg/url",
                  "rootUrl": "https://tc.example.com", **empty})
    cases.append({"kind": "buildSignedUrl", "id": "edge/empty-arg/signed",
                  "rootUrl": "https://tc.example.com", "now": NOW_MS, **_auth(0), **empty})
    cases.append({"kind": "request", "id": "edge/empty-arg/request",
                  "rootUrl": "http://taskcluster.example.com", "ts": TS, "nonce": "z00000",
                  **_auth(0), "service": "queue", "class": "Queue", "method": "task",
                  "args": [""]})
    # ... but for the index's optional namespace (``/namespaces/:namespace?``),
    # where an empty one lists the top level: sent, as Node sends it.
    cases.append({"kind": "buildUrl", "id": "edge/optional-arg/url",
                  "rootUrl": "https://tc.example.com", "service": "index", "class": "Index",
                  "method": "listNamespaces", "args": [""]})
    cases.append({"kind": "request", "id": "edge/optional-arg/request",
                  "rootUrl": "http://taskcluster.example.com", "ts": TS, "nonce": "z00001",
                  **_auth(0), "service": "index", "class": "Index", "method": "listTasks",
                  "args": [""]})
    return cases


def routing_key_cases() -> List[Dict[str, Any]]:
    cases = []
    for class_name, service, kind in services():
        if kind != "exchanges":
            continue
        for e in _load(service, "exchanges")["entries"]:
            if e["type"] != "topic-exchange":
                continue
            parts = [p for p in e["routingKey"] if not p.get("constant")]
            single = [p for p in parts if not p.get("multipleWords")]
            multi = [p for p in parts if p.get("multipleWords")]
            full = {p["name"]: ("a.b.c" if p.get("multipleWords") else "v-" + p["name"])
                    for p in parts}
            forms = {
                "none": None,
                "empty": {},
                "partial": {parts[0]["name"]: "x"} if parts else {},
                "full": full,
                "numbers": {p["name"]: n for n, p in enumerate(single)},
                "multiword": {p["name"]: "w1.w2.*" for p in multi} or {"__none__": None},
                "string": "primary.#.custom-pattern",
                "null-values": {p["name"]: None for p in parts},
            }
            for form, pattern in forms.items():
                case = {"kind": "routingKey", "id": "rk/%s.%s/%s" % (class_name, e["name"], form),
                        "service": service, "class": class_name, "exchange": e["name"]}
                if pattern == {"__none__": None}:
                    continue
                if pattern is not None:
                    case["pattern"] = pattern
                cases.append(case)
            if single:
                cases.append({"kind": "routingKey", "id": "rk/%s.%s/refused-dot" % (class_name, e["name"]),
                              "service": service, "class": class_name, "exchange": e["name"],
                              "pattern": {single[0]["name"]: "has.dot"}})
                cases.append({"kind": "routingKey", "id": "rk/%s.%s/refused-bool" % (class_name, e["name"]),
                              "service": service, "class": class_name, "exchange": e["name"],
                              "pattern": {single[-1]["name"]: True}})
    return cases


SEEDS = [["Ui0v4Dz-RWC4zm7Yt7YBRQ", "x2VdXqz_TmOblW0jZk9UNg"],
         ["ZmcS5gqXQ1CFSfAXD6g_Ag", "Kpyj0DB1SOqXYSVFM_yMLw"],
         ["-u5IOvYFSIuz0jTKqOqSDA", "AAAAAAAAQACAAAAAAAAAAA"]]


def temp_creds_cases() -> List[Dict[str, Any]]:
    cases = []
    spans = [1, 999, 3600 * 1000, 24 * 3600 * 1000 + 7, 31 * 24 * 3600 * 1000,
             31 * 24 * 3600 * 1000 + 1]
    scope_sets = [[], ["queue:*"], SCOPES_PLAIN, SCOPES_UNICODE, ["a", "b\nc", "d\\e"]]
    n = 0
    for si, span in enumerate(spans):
        for ki, scopes in enumerate(scope_sets):
            start = NOW_MS + 1000 * si + ki * 17
            for named in (None, "tester/named-%d" % n):
                case = {"kind": "tempCreds", "id": "tempcreds/%d" % n,
                        "credentials": PERMANENT, "start": start, "expiry": start + span,
                        "scopes": scopes, "seeds": SEEDS[n % len(SEEDS)]}
                if named:
                    case["clientId"] = named
                cases.append(case)
                n += 1
    cases.append({"kind": "tempCreds", "id": "tempcreds/refused-same-name",
                  "credentials": PERMANENT, "start": NOW_MS, "expiry": NOW_MS + 1000,
                  "scopes": [], "clientId": PERMANENT["clientId"], "seeds": SEEDS[0]})
    cases.append({"kind": "tempCreds", "id": "tempcreds/refused-from-temporary",
                  "credentials": TEMPORARY_STR, "start": NOW_MS, "expiry": NOW_MS + 1000,
                  "scopes": [], "seeds": SEEDS[0]})
    return cases


OFFSETS = ["", "0s", "1 day 2 hours", "1d2h3m4s", "-3h", "- 3 hours", "+5 minutes", "2 mo",
           "1y", "1 year 2 months 3 weeks 4 days 5 hours 6 minutes 7 seconds", "3 weeks",
           "10 yr", "1 yr 1 mo", "  7 sec  ", "-1y", "-2 mo 3 d", "1 hr", "90 min", "1wk",
           "12 Hours", "1 DAY", "365 days", "400 days", "-400 days", "0 d 0 h 1 s",
           "nonsense", "1 fortnight", "3 h 2 d"]
REFERENCES_MS = [NOW_MS, 0, 951782400999, 1709164800000, 4102444799999]


def from_now_cases() -> List[Dict[str, Any]]:
    cases = []
    for i, offset in enumerate(OFFSETS):
        for j, ref in enumerate(REFERENCES_MS[: 2 if i % 2 else 5]):
            cases.append({"kind": "fromNow", "id": "fromnow/%d.%d" % (i, j),
                          "offset": offset, "reference": ref})
    return cases


def all_cases() -> List[Dict[str, Any]]:
    cases = (url_cases() + request_cases() + edge_cases() + routing_key_cases()
             + temp_creds_cases() + from_now_cases())
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


if __name__ == "__main__":
    from collections import Counter
    cs = all_cases()
    print(len(cs), Counter(c["kind"] for c in cs))
