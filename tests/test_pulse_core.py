"""The pulse consumer's shared decisions (taskcluster._pulse) and its bad-input
errors: no broker, no AMQP library needed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import taskcluster
from taskcluster import _pulse
from taskcluster.exceptions import TaskclusterInputError

QE = taskcluster.QueueEvents()
PREFIX = "exchange/taskcluster-queue/v1/"
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(taskcluster.__file__)))


def opts(**kw):
    target = _pulse.endpoint("t", "amqp://alice:pw@127.0.0.1:5672/")
    args = dict(queueName="q", ephemeral=False, prefetch=5, maxLength=None, namespace=None,
                minReconnectInterval=15)
    args.update(kw)
    return _pulse.options("t", target, **args)


# -- where to connect -------------------------------------------------------------

def test_url_parts_and_a_display_without_the_password():
    e = _pulse.endpoint("t", "amqps://alice:p%40ss@pulse.example.com/my-vhost", environ={})
    assert (e.tls, e.host, e.port, e.vhost, e.username, e.password) == (
        True, "pulse.example.com", 5671, "my-vhost", "alice", "p@ss")
    assert e.display() == "amqps://alice@pulse.example.com:5671/my-vhost"
    assert "p@ss" not in repr(e) and "p%40ss" not in str(e)
    assert e.url() == "amqps://alice:p%40ss@pulse.example.com:5671/my-vhost"
    plain = _pulse.endpoint("t", "amqp://bob:x@127.0.0.1:1234", environ={})
    assert (plain.tls, plain.port, plain.vhost) == (False, 1234, "/")


def test_the_environment_as_mozillas_tools_set_it():
    env = {"PULSE_USERNAME": "carol", "PULSE_PASSWORD": "s3cret", "PULSE_HOST": "pulse.mozilla.org"}
    e = _pulse.endpoint("t", None, environ=env)
    assert (e.tls, e.host, e.port, e.vhost, e.username, e.password) == (
        True, "pulse.mozilla.org", 5671, "/", "carol", "s3cret")
    e = _pulse.endpoint("t", None, environ=dict(env, PULSE_SSL="0", PULSE_PORT="5999",
                                                 PULSE_VHOST="v"))
    assert (e.tls, e.port, e.vhost) == (False, 5999, "v")
    # a URL without credentials takes them from the environment
    e = _pulse.endpoint("t", "amqp://127.0.0.1:5672/", environ=env)
    assert (e.username, e.password) == ("carol", "s3cret")


@pytest.mark.parametrize("url, environ, words", [
    (None, {}, "PULSE_HOST"),
    ("http://u:topsecret@host/", {}, "amqp://"),
    ("amqp://u:topsecret@/", {}, "amqp://"),
    (12, {}, "not int"),
    (None, {"PULSE_HOST": "h", "PULSE_PORT": "x"}, "PULSE_PORT"),
])
def test_a_bad_broker_address_is_refused_without_the_password(url, environ, words):
    with pytest.raises(TaskclusterInputError) as info:
        _pulse.endpoint("pulse.Consumer", url, environ=environ)
    assert words in str(info.value) and info.value.argument == "url"
    assert "topsecret" not in str(info.value)


def test_connect_errors_name_the_host_and_mask_the_password():
    e = _pulse.endpoint("t", "amqp://u:hunter2@127.0.0.1:5672/", environ={})
    err = _pulse.connect_failed(e, OSError("refused while using hunter2"))
    assert "127.0.0.1:5672" in str(err) and "hunter2" not in str(err)
    assert isinstance(err, taskcluster.TaskclusterConnectionError)


# -- bindings ----------------------------------------------------------------------

@pytest.mark.parametrize("given, argument, words", [
    ("exchange/x", "bindings", "list of dicts"),
    ({"exchange": "x"}, "bindings", "list of dicts"),
    ([{"routingKeyPattern": "#"}], "bindings[0]", "has no 'exchange'"),
    ([QE.taskDefined(), {"exchange": ""}], "bindings[1]", "has no 'exchange'"),
    ([{"exchange": "x", "routingKeyPattern": 5}], "bindings[0]", "routingKeyPattern"),
    ([{"exchange": "x", "routingKeyPattern": "a" * 300}], "bindings[0]", "255"),
    (["x"], "bindings[0]", "must be a dict"),
    ([{"exchange": "x", "routingKeyReference": [1]}], "bindings[0]", "routingKeyReference"),
])
def test_bad_bindings_are_refused_saying_what_is_wrong(given, argument, words):
    with pytest.raises(TaskclusterInputError) as info:
        _pulse.bindings("pulse.Consumer", given)
    assert words in str(info.value) and info.value.argument == argument
    assert str(info.value).startswith("pulse.Consumer: ")


def test_bindings_keep_the_reference_and_fill_it_for_raw_bundled_exchanges():
    b = _pulse.bindings("t", [QE.taskDefined(taskId="abc"),
                              {"exchange": PREFIX + "task-completed", "routingKeyPattern": "#"},
                              {"exchange": "exchange/mine/v1/x", "routingKeyPattern": "a.*"}])
    assert b[0].routingKeyPattern == "primary.abc.*.*.*.*.*.*.*.#"
    assert b[0].parts[0] == ("routingKeyKind", False) and b[0].parts[-1] == ("reserved", True)
    assert b[1].parts == b[0].parts
    assert b[2].parts is None


# -- queue options and plans ----------------------------------------------------------

def test_a_durable_queue_is_quorum_and_named_by_namespace():
    plan = _pulse.queue_plan(opts(maxLength=100))
    assert plan == ("queue/alice/q", True, False, False,
                    {"x-max-length": 100, "x-queue-type": "quorum"})
    assert _pulse.queue_plan(opts(namespace="proj")).name == "queue/proj/q"


def test_an_ephemeral_queue_gets_a_fresh_name_each_time():
    o = opts(queueName=None, ephemeral=True)
    a, b = _pulse.queue_plan(o), _pulse.queue_plan(o)
    assert a.name != b.name and a.name.startswith("queue/alice/ephemeral/")
    assert (a.durable, a.exclusive, a.auto_delete, a.arguments) == (False, True, True, {})


@pytest.mark.parametrize("kw, argument", [
    (dict(queueName=None), "queueName"),
    (dict(queueName=""), "queueName"),
    (dict(prefetch=0), "prefetch"),
    (dict(prefetch=True), "prefetch"),
    (dict(maxLength=0), "maxLength"),
    (dict(ephemeral="yes"), "ephemeral"),
    (dict(namespace=""), "namespace"),
    (dict(minReconnectInterval=-1), "minReconnectInterval"),
    (dict(queueName="x" * 300), "queueName"),
])
def test_bad_queue_options_are_refused(kw, argument):
    with pytest.raises(TaskclusterInputError) as info:
        opts(**kw)
    assert info.value.argument == argument and argument in str(info.value)


def test_queue_name_none_without_ephemeral_is_refused_by_the_consumers():
    pytest.importorskip("kombu", reason="the pulse extra is not installed")
    import taskcluster.aio.pulse
    import taskcluster.pulse
    for cls in (taskcluster.pulse.Consumer, taskcluster.aio.pulse.Consumer):
        with pytest.raises(TaskclusterInputError, match="ephemeral=True"):
            cls([QE.taskDefined()], url="amqp://u:p@127.0.0.1:1/")
        with pytest.raises(TaskclusterInputError, match=r"bindings\[0\] has no 'exchange'"):
            cls([{}], url="amqp://u:p@127.0.0.1:1/", queueName="q")


# -- messages -------------------------------------------------------------------------

def test_routing_parts_by_name_as_lib_pulse_splits_them():
    parts = _pulse.bindings("t", [QE.taskDefined()])[0].parts
    r = _pulse.routing(parts, "primary.T.0.wg.wid.prov.wt.sched.G.a.b.c")
    assert r == {"routingKeyKind": "primary", "taskId": "T", "runId": "0",
                 "workerGroup": "wg", "workerId": "wid", "provisionerId": "prov",
                 "workerType": "wt", "schedulerId": "sched", "taskGroupId": "G",
                 "reserved": "a.b.c"}
    assert _pulse.routing(parts, "primary.T.0.wg.wid.prov.wt.sched.G")["reserved"] == ""
    # a multi-word part in the middle: single words from the front and the back
    middle = (("a", False), ("m", True), ("z", False))
    assert _pulse.routing(middle, "1.x.y.2") == {"a": "1", "m": "x.y", "z": "2"}
    assert _pulse.routing(None, "a.b") == {}
    # a short key does not crash
    assert _pulse.routing(parts, "primary")["routingKeyKind"] == "primary"


def test_a_delivery_becomes_a_message():
    bound = _pulse.bindings("t", [QE.taskDefined()])
    m = _pulse.message(bound, b'{"a": 1}', PREFIX + "task-defined",
                       "primary.T.0.wg.wid.prov.wt.sched.G", 1,
                       {"CC": ["route.index.x", b"route.b", "other.c"]})
    assert m.payload == {"a": 1} and m.isJson is True and m.body == b'{"a": 1}'
    assert m.redelivered is True and m.routes == ["index.x", "b"]
    assert m.routing["taskId"] == "T" and m.routing["runId"] == "0"
    none = _pulse.message(bound, "[]", PREFIX + "task-defined", "k", 0, None)
    assert none.routes == [] and none.redelivered is False and none.payload == []
    raw = _pulse.message(bound, b"\x00\xff", "exchange/other", "a.b", False, {})
    assert (raw.isJson, raw.payload, raw.body, raw.routing) == (False, None, b"\x00\xff", {})
    assert "exchange/other a.b" in repr(raw)


def test_validate_checks_the_exchange_schema():
    bound = _pulse.bindings("t", [QE.taskGroupResolved()])
    ex = PREFIX + "task-group-resolved"
    good = {"version": 1, "taskGroupId": "dSlITZ4yQgmvxxAi4A8fHQ", "schedulerId": "s",
            "expires": "2030-01-01T00:00:00.000Z"}
    _pulse.message(bound, __import__("json").dumps(good), ex, "primary.g.s", 0, {}).validate()
    with pytest.raises(TaskclusterInputError, match=r"payload\.version .*rule 'enum'"):
        _pulse.message(bound, __import__("json").dumps(dict(good, version=2)), ex, "k", 0,
                       {}).validate()
    with pytest.raises(TaskclusterInputError, match="not JSON"):
        _pulse.message(bound, b"{", ex, "k", 0, {}).validate()
    with pytest.raises(TaskclusterInputError, match="not an exchange of the references"):
        _pulse.message(bound, b"{}", "exchange/x", "k", 0, {}).validate()


def test_the_failure_policy_requeues_once():
    assert _pulse.requeue_on_failure(False) is True
    assert _pulse.requeue_on_failure(True) is False


def test_reconnections_are_spaced_from_the_last_attempt():
    r = _pulse.Reconnect(15)
    assert r.delay(100.0) == 0.0
    r.attempt(100.0)
    assert r.delay(101.0) == 14.0 and r.delay(115.0) == 0.0 and r.delay(200.0) == 0.0
    assert _pulse.MIN_RECONNECT_INTERVAL == 15.0   # lib-pulse's minReconnectionInterval


@pytest.mark.parametrize("args, argument", [
    (("", "k", {}, ()), "exchange"),
    (("x", "", {}, ()), "routingKey"),
    (("x", "k", {}, "route.a"), "cc"),
    (("x", "k", {}, [1]), "cc"),
    (("x", "k", {"a": object()}, ()), "payload"),
    (("x", "k", float("nan"), ()), "payload"),
])
def test_bad_publish_arguments_are_refused(args, argument):
    with pytest.raises(TaskclusterInputError) as info:
        _pulse.publish_args("pulse.Publisher.publish", *args)
    assert info.value.argument == argument


def test_importing_loads_no_amqp_library():
    code = ("import sys, taskcluster, taskcluster.pulse, taskcluster.aio.pulse\n"
            "print(sorted(m for m in ('kombu', 'amqp', 'aiormq', 'aio_pika', 'pamqp')"
            " if m in sys.modules))\n")
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd="/", capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_handler_that_is_not_callable_is_refused_before_connecting():
    import asyncio

    import taskcluster.aio.pulse
    import taskcluster.pulse
    url = "amqp://u:p@127.0.0.1:1/"   # nothing listens: refused before any connection
    with pytest.raises(TaskclusterInputError, match="handler must be callable") as info:
        taskcluster.pulse.Consumer([QE.taskDefined()], url=url, queueName="q").run(5)
    assert info.value.argument == "handler"
    consumer = taskcluster.aio.pulse.Consumer([QE.taskDefined()], url=url, queueName="q")
    with pytest.raises(TaskclusterInputError, match="handler must be an async function"):
        asyncio.run(consumer.run(None))


def test_only_a_queue_type_mismatch_keeps_an_existing_classic_queue():
    durable = _pulse.queue_plan(opts())
    mismatch = Exception("(406) PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for "
                         "queue 'queue/alice/q' in vhost '/': received 'quorum' but current "
                         "is 'classic'")
    assert _pulse.existing_classic_queue(durable, mismatch) is True
    other = Exception("(406) PRECONDITION_FAILED - inequivalent arg 'x-max-length'")
    assert _pulse.existing_classic_queue(durable, other) is False
    ephemeral = _pulse.queue_plan(opts(queueName=None, ephemeral=True))
    assert _pulse.existing_classic_queue(ephemeral, mismatch) is False
