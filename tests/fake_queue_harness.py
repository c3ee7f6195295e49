"""Driving the fake queue's backend without HTTP, and checking what it says.

    h = QueueHarness()
    h.call("createTask", {"taskId": tid}, taskDef(), scopes=["*"])
    h.advance(1201)                        # the deployment's clock, then tick

A call goes through a (not started) ``FakeDeployment``'s own pipeline --
input validation, the scope check, the handler -- so a denial is the real
403.  Every JSON answer is checked against the method's output schema, and
every pulse message against its exchange's schema, with ``jsonschema``
(independent of the package's own validator).
"""

from __future__ import annotations

import copy
import datetime
import json
import os

import jsonschema
import referencing
import referencing.jsonschema

from taskcluster._slugid import nice
from taskcluster.fake import FakeDeployment, Redirect

REFS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "references")
BASE = "https://schemas.test.invalid"


def _load(*path):
    with open(os.path.join(REFS, *path), encoding="utf-8") as fh:
        return json.load(fh)


QUEUE_API = _load("queue", "v1", "api.json")
QUEUE_EXCHANGES = _load("queue", "v1", "exchanges.json")
ENTRIES = {e["name"]: e for e in QUEUE_API["entries"]}


def _registry() -> referencing.Registry:
    resources = []
    root = os.path.join(REFS, "schemas")
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".json"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as fh:
                schema = json.load(fh)
            schema.pop("$schema", None)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            schema["$id"] = "%s/schemas/%s" % (BASE, rel)
            resources.append((schema["$id"], referencing.jsonschema.DRAFT6.create_resource(schema)))
    return referencing.Registry().with_resources(resources)


REGISTRY = _registry()


def check(service: str, ref: str, value) -> None:
    """Validate ``value`` against the schema a reference names
    (``v1/task.json#``) with jsonschema; AssertionError naming what broke."""
    url = "%s/schemas/%s/%s" % (BASE, service, ref.split("#")[0])
    schema = REGISTRY.contents(url)
    validator = jsonschema.Draft6Validator(schema, registry=REGISTRY,
                                           format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
    assert not errors, "%s is invalid: %s at %s" % (ref, errors[0].message, list(errors[0].path))


def check_pulse(message) -> None:
    prefix = QUEUE_EXCHANGES["exchangePrefix"]
    assert message["exchange"].startswith(prefix), message["exchange"]
    name = message["exchange"][len(prefix):]
    entry = next(e for e in QUEUE_EXCHANGES["entries"] if e["exchange"] == name)
    check("queue", entry["schema"], message["payload"])
    words = message["routingKey"].split(".")
    assert len(words) == len(entry["routingKey"]), message["routingKey"]
    for word, part in zip(words, entry["routingKey"]):
        assert word, "empty routing-key word in %s" % message["routingKey"]
        if part.get("constant"):
            assert word == part["constant"]


def jsdate(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (when.microsecond // 1000)


def task_def(deployment, **overrides):
    now = deployment.now()
    d = {
        "provisionerId": "prov", "workerType": "wt",
        "created": jsdate(now), "deadline": jsdate(now + datetime.timedelta(hours=1)),
        "payload": {}, "metadata": {"name": "t", "description": "d", "owner": "me@example.com",
                                    "source": "https://example.com/t"},
    }
    d.update(overrides)
    return d


class QueueHarness:
    def __init__(self) -> None:
        self.deployment = FakeDeployment()
        self.queue = self.deployment.backend("queue")
        self.called = set()

    def now(self) -> datetime.datetime:
        return self.deployment.now()

    def advance(self, seconds: float) -> None:
        self.deployment.advance(seconds)

    def call(self, method: str, params=None, payload=None, query=None, *, scopes=("*",),
             clientId="tester"):
        """Call ``method`` as ``clientId`` with ``scopes``; the answer, its
        JSON checked against the output schema (a redirect's body against
        it too)."""
        self.deployment.advance(0)  # the deployment ticks before each call
        answer = self.deployment.call("queue", method, dict(params or {}),
                                      copy.deepcopy(payload), dict(query or {}),
                                      clientId=clientId, scopes=list(scopes))
        self.called.add(method)
        output = ENTRIES[method].get("output")
        if output:
            body = answer.body if isinstance(answer, Redirect) else answer
            check("queue", output, json.loads(json.dumps(body)))
        return answer

    def create(self, taskId=None, caller_scopes=("*",), **overrides):
        """Create a task of ``task_def`` with ``overrides`` (``scopes`` is
        the task's; ``caller_scopes`` the creator's); its taskId."""
        taskId = taskId or nice()
        self.call("createTask", {"taskId": taskId}, task_def(self.deployment, **overrides),
                  scopes=caller_scopes)
        return taskId

    def claim(self, taskQueueId="prov/wt", workerGroup="wg", workerId="w1", tasks=1):
        return self.call("claimWork", {"taskQueueId": taskQueueId},
                         {"workerGroup": workerGroup, "workerId": workerId, "tasks": tasks})["tasks"]

    def messages(self, exchange=None):
        found = self.deployment.pulseMessages
        if exchange:
            found = [m for m in found
                     if m["exchange"] == QUEUE_EXCHANGES["exchangePrefix"] + exchange]
        return found

    def check_all_pulse(self) -> int:
        messages = self.deployment.pulseMessages
        for m in messages:
            check_pulse(m)
        return len(messages)
