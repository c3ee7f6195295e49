"""The fake deployment (taskcluster.fake) publishing to a real broker: a task
created through the sync client reaches a pulse consumer as task-defined and
task-pending, with the task's routes as CC (issue 20, detail 8)."""

from __future__ import annotations

import datetime
import secrets
from urllib.parse import quote

import pytest

import taskcluster

pytest.importorskip("amqp", reason="the pulse extra (kombu) is not installed")
from pulse_harness import DRIVERS, Harness  # noqa: E402

from taskcluster.fake import FakeDeployment  # noqa: E402

PREFIX = "exchange/taskcluster-queue/v1/"


def jsdate(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (when.microsecond // 1000)


def task_def(tc, group, routes):
    now = tc.now()
    return {"provisionerId": "prov", "workerType": "wt", "schedulerId": "sched",
            "taskGroupId": group, "created": jsdate(now),
            "deadline": jsdate(now + datetime.timedelta(hours=1)), "payload": {},
            "routes": routes,
            "metadata": {"name": "t", "description": "d", "owner": "me@example.com",
                         "source": "https://example.com/t"}}


@pytest.fixture
def vhost(pulse_broker):
    """A fresh vhost: no exchange exists there until the fake declares it."""
    name = "fake-" + secrets.token_hex(4)
    pulse_broker.ctl("add_vhost", name)
    pulse_broker.ctl("set_permissions", "-p", name, pulse_broker.user, ".*", ".*", ".*")
    yield name, "amqp://%s:%s@127.0.0.1:%d/%s" % (pulse_broker.user, pulse_broker.password,
                                                 pulse_broker.port, quote(name, safe=""))
    pulse_broker.ctl("delete_vhost", name)


def exchanges(broker, vhost):
    out = broker.ctl("list_exchanges", "-p", vhost, "name", "type", "durable",
                     "--no-table-headers")
    return {line.split("\t")[0]: line.split("\t")[1:] for line in out.splitlines()}


@pytest.mark.parametrize("driver", DRIVERS)
def test_create_task_sends_task_defined_with_the_routes_as_cc(pulse_broker, vhost, driver):
    name, url = vhost
    assert PREFIX + "task-defined" not in exchanges(pulse_broker, name)
    with FakeDeployment(pulseUrl=url) as tc:
        queue = taskcluster.Queue({"rootUrl": tc.rootUrl, "credentials": tc.rootCredentials,
                                   "maxRetries": 0})
        group = taskcluster.slugId()
        # Started, the fake has declared every exchange it publishes to, so a
        # consumer binds before the first message.
        declared = exchanges(pulse_broker, name)
        for exchange in ("task-defined", "task-pending", "task-completed",
                         "task-group-resolved"):
            assert declared[PREFIX + exchange] == ["topic", "true"]
        assert declared["exchange/taskcluster-hooks/v1/hook-created"] == ["topic", "true"]

        events = taskcluster.QueueEvents()
        taskId = taskcluster.slugId()
        route = "index.project.%s" % secrets.token_hex(4)
        bindings = [events.taskDefined(taskId=taskId), events.taskPending(taskId=taskId),
                    {"exchange": PREFIX + "task-defined",
                     "routingKeyPattern": "route.%s.#" % route}]
        with Harness(driver, bindings, url=url, ephemeral=True) as h:
            routes = ["%s.latest" % route, "notify.email.me@example.com.on-failed"]
            queue.createTask(taskId, task_def(tc, group, routes))
            # task-defined arrives once (the route binding and the taskId binding
            # are one queue), then task-pending
            seen = h.wait_for(lambda ms: {m.exchange for m in ms} >= {
                PREFIX + "task-defined", PREFIX + "task-pending"})
    defined = [m for m in seen if m.exchange == PREFIX + "task-defined"]
    assert len(defined) == 1
    m = defined[0]
    assert m.routes == routes
    assert m.routing["taskId"] == taskId and m.routing["taskGroupId"] == group
    assert m.routing["runId"] == "_" and m.routing["routingKeyKind"] == "primary"
    assert m.payload["status"]["taskId"] == taskId
    m.validate()  # the fake's message matches the exchange's schema
    pending = [m for m in seen if m.exchange == PREFIX + "task-pending"][0]
    assert pending.routing["runId"] == "0" and pending.routes == routes
    pending.validate()
