"""taskcluster.pulse and taskcluster.aio.pulse against a real RabbitMQ of the
session's own (tests/pulse_broker.py; skipped with the reason without one).
Each test runs with both drivers, through tests/pulse_harness.py."""

from __future__ import annotations

import asyncio
import collections
import itertools
import threading
import time

import pytest

import taskcluster

amqp = pytest.importorskip("amqp", reason="the pulse extra (kombu) is not installed")
from pulse_harness import DRIVERS, Harness  # noqa: E402

import taskcluster.aio.pulse as aio_pulse  # noqa: E402
import taskcluster.pulse as pulse  # noqa: E402

QE = taskcluster.QueueEvents()
PREFIX = "exchange/taskcluster-queue/v1/"
_unique = itertools.count()


def uid(what):
    return "%s%d%d" % (what, int(time.time() * 1000) % 100000, next(_unique))


def task_key(taskId, group, runId=0, reserved=None, kind="primary"):
    # routingKeyKind.taskId.runId.workerGroup.workerId.provisionerId.workerType.schedulerId.taskGroupId.reserved
    words = [kind, taskId, str(runId), "wg", "wid", "prov", "wt", "sched", group]
    if reserved:
        words.append(reserved)
    return ".".join(words)


@pytest.fixture
def broker(pulse_broker):
    return pulse_broker


@pytest.fixture
def pub(broker):
    with pulse.Publisher(broker.url) as p:
        yield p


def ensure_exchanges(pub, *names):
    # A queue can only be bound to an exchange that exists: declare them as the
    # services do (idempotently).
    pub.declare(*[PREFIX + name for name in names])


# -- bindings ----------------------------------------------------------------

@pytest.mark.parametrize("driver", DRIVERS)
def test_only_matching_messages_arrive_with_every_field(broker, pub, driver):
    group, other = uid("g"), uid("h")
    ensure_exchanges(pub, "task-defined", "task-completed", "task-failed")
    index_route = uid("index.mine.")
    bindings = [
        QE.taskDefined(taskGroupId=group),
        QE.taskCompleted({"taskGroupId": group, "runId": 1}),
        {"exchange": PREFIX + "task-failed", "routingKeyPattern": "route.%s.#" % index_route},
    ]
    expected = {}
    published = 0
    with Harness(driver, bindings, url=broker.url, queueName=uid("bind")) as h:
        for i in range(300):
            exchange = ("task-defined", "task-completed", "task-failed")[i % 3]
            g = group if i % 2 == 0 else other
            runId = i % 4
            routes = ["route.%s.x%d" % (index_route, i), "route.a.b"] if i % 5 == 0 else []
            if i % 7 == 0:
                routes = ["route.%s" % uid("other")]
            reserved = "r%d.more.words" % i if i % 6 == 0 else None
            taskId = "task%d" % i
            key = task_key(taskId, g, runId, reserved)
            payload = {"i": i, "status": {"taskId": taskId}}
            pub.publish(PREFIX + exchange, key, payload, cc=routes)
            published += 1
            matches = ((exchange == "task-defined" and g == group)
                       or (exchange == "task-completed" and g == group and runId == 1)
                       or (exchange == "task-failed" and any(
                           r.startswith("route.%s." % index_route) for r in routes)))
            if matches:
                expected[i] = (exchange, key, [r[len("route."):] for r in routes],
                               {"routingKeyKind": "primary", "taskId": taskId,
                                "runId": str(runId), "workerGroup": "wg", "workerId": "wid",
                                "provisionerId": "prov", "workerType": "wt",
                                "schedulerId": "sched", "taskGroupId": g,
                                "reserved": reserved or ""})
        # A last matching message: everything published before it has been routed.
        pub.publish(PREFIX + "task-defined", task_key("last", group), {"i": "last"})
        seen = h.wait_for(lambda ms: any(m.payload["i"] == "last" for m in ms))
    assert published == 300 and 50 < len(expected) < 200
    got = {m.payload["i"]: m for m in seen if m.payload["i"] != "last"}
    assert len(got) == len(seen) - 1, "a message arrived twice"
    assert sorted(got) == sorted(expected)
    for i, m in got.items():
        exchange, key, routes, routing = expected[i]
        assert m.exchange == PREFIX + exchange
        assert m.routingKey == key
        assert m.redelivered is False
        assert m.routes == routes
        assert m.routing == routing
        assert m.payload == {"i": i, "status": {"taskId": "task%d" % i}}
        assert m.isJson is True


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_payload_that_is_not_json_reaches_the_handler_raw(broker, pub, driver):
    group = uid("g")
    ensure_exchanges(pub, "task-defined")
    with Harness(driver, [QE.taskDefined(taskGroupId=group)], url=broker.url,
                 ephemeral=True) as h:
        conn = amqp.Connection("127.0.0.1:%d" % broker.port, userid=broker.user,
                               password=broker.password)
        conn.connect()
        try:
            ch = conn.channel()
            ch.basic_publish(amqp.Message(b"\xffnot json {"), exchange=PREFIX + "task-defined",
                             routing_key=task_key("raw", group))
        finally:
            conn.close()
        pub.publish(PREFIX + "task-defined", task_key("after", group), {"ok": True})
        seen = h.wait_for(lambda ms: len(ms) >= 2)
    raw, after = seen
    assert raw.isJson is False and raw.payload is None and raw.body == b"\xffnot json {"
    assert raw.routing["taskId"] == "raw"
    assert after.isJson is True and after.payload == {"ok": True}


# -- failure policy ------------------------------------------------------------------

@pytest.mark.parametrize("driver", DRIVERS)
def test_a_failing_handler_sees_the_message_again_then_it_is_dropped(broker, pub, driver):
    group = uid("g")
    ensure_exchanges(pub, "task-defined")

    def handler(m):
        if m.payload.get("bad"):
            raise RuntimeError("handler failure")

    name = uid("fail")
    with Harness(driver, [QE.taskDefined(taskGroupId=group)], url=broker.url,
                 queueName=name, handler=handler) as h:
        pub.publish(PREFIX + "task-defined", task_key("bad", group), {"bad": True})
        h.wait_for(lambda ms: len(ms) >= 2)
        pub.publish(PREFIX + "task-defined", task_key("good", group), {"good": True})
        seen = h.wait_for(lambda ms: any(m.payload.get("good") for m in ms))
    assert [(m.payload, m.redelivered) for m in seen] == [
        ({"bad": True}, False), ({"bad": True}, True), ({"good": True}, False)]
    # dropped, not left on the queue
    assert broker.queues()["queue/tester/" + name]["messages"] == 0


# -- durable queue ------------------------------------------------------------------

@pytest.mark.parametrize("driver", DRIVERS)
def test_a_durable_queue_keeps_messages_for_the_next_consumer(broker, pub, driver):
    group, name = uid("g"), uid("durable")
    ensure_exchanges(pub, "task-pending")
    bindings = [QE.taskPending(taskGroupId=group)]
    with Harness(driver, bindings, url=broker.url, queueName=name):
        pass
    props = broker.queues()["queue/tester/" + name]
    assert props["durable"] is True and props["auto_delete"] is False
    assert props["exclusive"] is False and props["type"] == "quorum"
    for i in range(50):
        pub.publish(PREFIX + "task-pending", task_key("t%d" % i, group), {"i": i})
    with Harness(driver, bindings, url=broker.url, queueName=name) as h:
        seen = h.wait_for(lambda ms: len(ms) >= 50)
    assert sorted(m.payload["i"] for m in seen) == list(range(50))


@pytest.mark.parametrize("driver", DRIVERS)
def test_an_existing_classic_queue_is_used_as_it_is(broker, pub, driver, caplog):
    group, name = uid("g"), uid("classic")
    ensure_exchanges(pub, "task-defined")
    conn = amqp.Connection("127.0.0.1:%d" % broker.port, userid=broker.user,
                           password=broker.password)
    conn.connect()
    try:  # as a consumer written before quorum queues made it
        conn.channel().queue_declare("queue/tester/" + name, durable=True, auto_delete=False)
    finally:
        conn.close()
    with Harness(driver, [QE.taskDefined(taskGroupId=group)], url=broker.url,
                 queueName=name) as h:
        pub.publish(PREFIX + "task-defined", task_key("c", group), {"classic": True})
        [m] = h.wait_for(lambda ms: len(ms) == 1)
    assert m.payload == {"classic": True}
    assert broker.queues()["queue/tester/" + name]["type"] == "classic"
    assert "exists as a classic queue" in caplog.text


def test_max_length_bounds_a_durable_queue(broker, pub):
    group, name = uid("g"), uid("bounded")
    ensure_exchanges(pub, "task-pending")
    bindings = [QE.taskPending(taskGroupId=group)]
    with Harness("sync", bindings, url=broker.url, queueName=name, maxLength=3):
        pass
    for i in range(5):
        pub.publish(PREFIX + "task-pending", task_key("t%d" % i, group), {"i": i})
    with Harness("sync", bindings, url=broker.url, queueName=name, maxLength=3) as h:
        seen = h.wait_for(lambda ms: len(ms) >= 3)
        pub.publish(PREFIX + "task-pending", task_key("last", group), {"i": "last"})
        seen = h.wait_for(lambda ms: any(m.payload["i"] == "last" for m in ms))
    # the oldest were dropped at the head, as x-max-length does
    assert [m.payload["i"] for m in seen] == [2, 3, 4, "last"]


# -- connection killed -----------------------------------------------------------------

@pytest.mark.parametrize("driver", DRIVERS)
def test_a_killed_connection_comes_back_losing_nothing(broker, pub, driver, caplog):
    caplog.set_level("INFO")
    group = uid("g")
    ensure_exchanges(pub, "task-running")
    total = 400
    at_100, killed = threading.Event(), threading.Event()

    def handler(m):
        if m.payload["i"] == 100 and not killed.is_set():
            # the connection dies while this message is being handled
            at_100.set()
            assert killed.wait(60)

    with Harness(driver, [QE.taskRunning(taskGroupId=group)], url=broker.url,
                 queueName=uid("killed"), prefetch=10, handler=handler) as h:
        for i in range(total):
            pub.publish(PREFIX + "task-running", task_key("t%d" % i, group), {"i": i})
        assert at_100.wait(60)
        broker.close_all_connections()
        killed.set()
        seen = h.wait_for(lambda ms: len({m.payload["i"] for m in ms}) == total, timeout=120)
        connections = h.consumer.connections
    assert connections >= 2
    assert "reconnect" in caplog.text and broker.password not in caplog.text
    by_id = collections.defaultdict(list)
    for m in seen:
        by_id[m.payload["i"]].append(m)
    assert sorted(by_id) == list(range(total))
    for deliveries in by_id.values():
        # a duplicate is only ever a redelivery
        assert all(m.redelivered for m in deliveries[1:])


@pytest.mark.parametrize("driver", DRIVERS)
def test_the_broker_from_the_environment(broker, pub, driver, monkeypatch):
    for name, value in {"PULSE_USERNAME": broker.user, "PULSE_PASSWORD": broker.password,
                        "PULSE_HOST": "127.0.0.1", "PULSE_PORT": str(broker.port),
                        "PULSE_SSL": "0", "PULSE_VHOST": "/"}.items():
        monkeypatch.setenv(name, value)
    group = uid("g")
    ensure_exchanges(pub, "task-defined")
    with Harness(driver, [QE.taskDefined(taskGroupId=group)], queueName=uid("env")) as h:
        assert h.consumer.queueName.startswith("queue/tester/env")
        pub.publish(PREFIX + "task-defined", task_key("e", group), {"env": True})
        [m] = h.wait_for(lambda ms: len(ms) == 1)
    assert m.payload == {"env": True}
    assert broker.password not in repr(h.consumer)


# -- ephemeral queues, prefetch ------------------------------------------------------

@pytest.mark.parametrize("driver", DRIVERS)
def test_an_ephemeral_queue_vanishes_on_close(broker, pub, driver):
    ensure_exchanges(pub, "task-exception")
    with Harness(driver, [QE.taskException(taskGroupId=uid("g"))], url=broker.url,
                 ephemeral=True) as h:
        name = h.consumer.queueName
        assert name.startswith("queue/tester/ephemeral/")
        props = broker.queues()[name]
        assert props["exclusive"] is True and props["auto_delete"] is True
    assert name not in broker.queues()


@pytest.mark.parametrize("driver", DRIVERS)
def test_no_more_unacked_messages_than_prefetch(broker, pub, driver):
    group, name = uid("g"), uid("prefetch")
    ensure_exchanges(pub, "artifact-created")
    release = threading.Event()
    entered = threading.Event()

    def handler(m):
        entered.set()
        assert release.wait(60)

    with Harness(driver, [QE.artifactCreated(taskGroupId=group)], url=broker.url,
                 queueName=name, prefetch=3, handler=handler) as h:
        for i in range(30):
            pub.publish(PREFIX + "artifact-created", task_key("t%d" % i, group), {"i": i})
        assert entered.wait(60)
        deadline = time.monotonic() + 60
        while True:  # the broker's counters settle after the publishes are routed
            out = broker.ctl("list_queues", "name", "messages_unacknowledged", "messages_ready",
                             "--no-table-headers")
            row = [line.split("\t") for line in out.splitlines()
                   if line.startswith("queue/tester/%s\t" % name)][0]
            unacked, ready = int(row[1]), int(row[2])
            if unacked + ready == 30 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        release.set()
        h.wait_for(lambda ms: len(ms) == 30)
    assert (unacked, ready) == (3, 27)


# -- stop ------------------------------------------------------------------------------

@pytest.mark.parametrize("driver", DRIVERS)
def test_stop_from_the_handler_returns_and_acks_that_message(broker, pub, driver):
    group, name = uid("g"), uid("stop")
    ensure_exchanges(pub, "task-defined")
    h = Harness(driver, [QE.taskDefined(taskGroupId=group)], url=broker.url, queueName=name)
    h.handler = lambda m: h.consumer.stop()
    h.start()
    pub.publish(PREFIX + "task-defined", task_key("only", group), {"n": 1})
    assert h.returned.wait(30)
    h.stop()
    assert [m.payload for m in h.messages] == [{"n": 1}]
    assert broker.queues()["queue/tester/" + name]["messages"] == 0


# -- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("driver", DRIVERS)
def test_a_binding_to_a_missing_exchange_is_refused_naming_it(broker, driver):
    h = Harness(driver, [{"exchange": "exchange/nobody/v1/nothing", "routingKeyPattern": "#"}],
                url=broker.url, queueName=uid("bad"))
    with pytest.raises(pulse.PulseError) as info:
        h.start()
    text = str(info.value)
    assert "exchange/nobody/v1/nothing" in text and "NOT_FOUND" in text
    assert broker.password not in text and broker.password not in repr(info.value)


@pytest.mark.parametrize("driver", DRIVERS)
def test_wrong_credentials_are_refused_naming_the_host_not_the_password(broker, driver):
    secret = "wrong-" + uid("secret")
    url = "amqp://tester:%s@127.0.0.1:%d/" % (secret, broker.port)
    h = Harness(driver, [QE.taskDefined()], url=url, queueName="x")
    with pytest.raises(pulse.PulseConnectionError) as info:
        h.start()
    text = str(info.value)
    assert "127.0.0.1:%d" % broker.port in text and "ACCESS_REFUSED" in text
    assert secret not in text and secret not in repr(info.value)
    assert isinstance(info.value, taskcluster.TaskclusterConnectionError)


@pytest.mark.parametrize("driver", DRIVERS)
def test_an_unreachable_host_is_an_error_naming_it(driver):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    h = Harness(driver, [QE.taskDefined()], url="amqp://u:sekrit@127.0.0.1:%d/" % port,
                queueName="x")
    with pytest.raises(pulse.PulseConnectionError) as info:
        h.start()
    assert "127.0.0.1:%d" % port in str(info.value) and "sekrit" not in str(info.value)


# -- publishing -----------------------------------------------------------------------------

def test_publishers_declare_the_exchange_idempotently(broker):
    exchange = "exchange/tests/v1/" + uid("fresh")
    with pulse.Publisher(broker.url) as p:
        p.publish(exchange, "a.b", {"n": 1})
        p.declare(exchange)
        broker.close_all_connections()
        p.publish(exchange, "a.b", {"n": 2})  # reconnects once, by itself
    pulse.publish(exchange, "a.b", {"n": 3}, url=broker.url)
    asyncio.run(aio_pulse.publish(exchange, "a.b", {"n": 4}, url=broker.url))
    declared = exchange + "-declared"

    async def declare():
        async with aio_pulse.Publisher(broker.url) as p:
            await p.declare(declared)
            await p.declare(declared)
    asyncio.run(declare())
    out = broker.ctl("list_exchanges", "name", "type", "durable", "--no-table-headers")
    assert "%s\ttopic\ttrue" % exchange in out.splitlines()
    assert "%s\ttopic\ttrue" % declared in out.splitlines()


def test_the_async_publisher_delivers_with_cc(broker, pub):
    group = uid("g")
    ensure_exchanges(pub, "task-defined")
    with Harness("sync", [{"exchange": PREFIX + "task-defined",
                           "routingKeyPattern": "route.%s.#" % group}],
                 url=broker.url, ephemeral=True) as h:
        async def send():
            async with aio_pulse.Publisher(broker.url) as p:
                for i in range(5):
                    await p.publish(PREFIX + "task-defined", task_key("t%d" % i, "x"),
                                    {"i": i}, cc=["route.%s.%d" % (group, i)])
        asyncio.run(send())
        seen = h.wait_for(lambda ms: len(ms) == 5)
    assert [(m.payload["i"], m.routes) for m in seen] == [
        (i, ["%s.%d" % (group, i)]) for i in range(5)]
    assert all(m.routing["taskId"] == "t%d" % m.payload["i"] for m in seen)


def test_message_validate_against_the_exchange_schema(broker, pub):
    group = uid("g")
    ensure_exchanges(pub, "task-group-resolved")
    with Harness("sync", [QE.taskGroupResolved(taskGroupId=group)], url=broker.url,
                 ephemeral=True) as h:
        good = {"version": 1, "taskGroupId": "dSlITZ4yQgmvxxAi4A8fHQ", "schedulerId": "s",
                "expires": "2030-01-01T00:00:00.000Z"}
        pub.publish(PREFIX + "task-group-resolved", "primary.%s.s" % group, good)
        pub.publish(PREFIX + "task-group-resolved", "primary.%s.s" % group, {"version": 1})
        ok, bad = h.wait_for(lambda ms: len(ms) == 2)
    ok.validate()
    with pytest.raises(taskcluster.TaskclusterInputError, match=r"payload\.taskGroupId is required"):
        bad.validate()


# -- the command line ------------------------------------------------------------------

def _listen(broker, *args, env_extra=None):
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULSE_", "TASKCLUSTER_"))}
    env.update(PULSE_URL=broker.url, PYTHONPATH=os.path.dirname(os.path.dirname(
        os.path.abspath(taskcluster.__file__))), PYTHONUNBUFFERED="1")
    env.update(env_extra or {})
    proc = subprocess.Popen([sys.executable, "-m", "taskcluster", "listen", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/")
    line = proc.stderr.readline()  # "listening on <queue> ..." once bound
    assert line.startswith("listening on queue/tester/"), line + proc.stderr.read()
    return proc, line.split()[2]


def test_cli_listen_prints_one_json_line_a_message(broker, pub):
    import json
    group, route = uid("g"), uid("proj")
    ensure_exchanges(pub, "task-completed")
    proc, _ = _listen(broker, "queue", "task-completed", "taskGroupId=" + group,
                      "--route", route + ".#", "--count", "3")
    try:
        pub.publish(PREFIX + "task-completed", task_key("a", group), {"n": 1})
        pub.publish(PREFIX + "task-completed", task_key("b", "other"), {"n": 2})  # not bound
        pub.publish(PREFIX + "task-completed", task_key("c", "other"), {"n": 3},
                    cc=["route.%s.x" % route])
        pub.publish(PREFIX + "task-completed", task_key("d", group, 2, "r.s"), {"n": 4})
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [x["payload"]["n"] for x in lines] == [1, 3, 4]
    assert lines[1]["routes"] == ["%s.x" % route]
    assert lines[2]["routing"]["runId"] == "2" and lines[2]["routing"]["reserved"] == "r.s"
    assert lines[0] == {"exchange": PREFIX + "task-completed",
                        "routingKey": task_key("a", group), "redelivered": False,
                        "routes": [], "routing": lines[0]["routing"], "payload": {"n": 1}}
    assert broker.password not in out + err


def test_cli_listen_until_interrupted_and_its_queue_goes(broker, pub):
    import signal
    group = uid("g")
    ensure_exchanges(pub, "task-failed")
    proc, queue = _listen(broker, "queue", "taskFailed", "taskGroupId=" + group)
    try:
        pub.publish(PREFIX + "task-failed", task_key("a", group), {"n": 1})
        first = proc.stdout.readline()
        assert '"payload":{"n":1}' in first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 130 and "interrupted" in err
    assert queue not in broker.queues()


def test_cli_listen_refuses_credentials_on_the_command_line(broker):
    import subprocess
    import sys
    url = "amqp://tester:%s@127.0.0.1:%d/" % (broker.password, broker.port)
    r = subprocess.run([sys.executable, "-m", "taskcluster", "listen", "queue", "task-defined",
                        "--url", url], capture_output=True, text=True, timeout=60,
                       env={k: v for k, v in __import__("os").environ.items()
                            if not k.startswith("PULSE_")})
    assert r.returncode == 2 and "PULSE_PASSWORD" in r.stderr
    assert broker.password not in r.stderr + r.stdout
