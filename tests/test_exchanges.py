"""Routing-key patterns for every topic exchange, and the accepted forms."""

import json
from pathlib import Path

import pytest

import taskcluster
from taskcluster import TaskclusterInputError
from taskcluster._references import SERVICES, load, references_dir

EXCHANGES = [(cls, name) for cls in sorted(SERVICES) if SERVICES[cls][1] == "exchanges"
             for name in load(cls).entries]


def test_there_are_36_topic_exchanges():
    assert len(EXCHANGES) == 36


def raw(cls, name):
    service, kind = SERVICES[cls]
    doc = json.loads((Path(references_dir()) / service / "v1" / (kind + ".json"))
                     .read_text("utf-8"))
    entry = next(e for e in doc["entries"] if e.get("name") == name)
    return doc, entry


@pytest.mark.parametrize("cls,name", EXCHANGES)
def test_every_exchange_builds_a_routing_key_pattern(cls, name):
    doc, entry = raw(cls, name)
    method = getattr(getattr(taskcluster, cls)(), name)
    parts = entry["routingKey"]

    binding = method()
    assert binding["exchange"] == doc["exchangePrefix"] + entry["exchange"]
    assert binding["routingKeyReference"] == parts
    words = binding["routingKeyPattern"].split(".")
    assert len(words) == len(parts)
    for word, part in zip(words, parts):
        expected = part.get("constant") or ("#" if part["multipleWords"] else "*")
        assert word == expected

    # every free part given by keyword appears in its place
    values = {p["name"]: f"v{i}" for i, p in enumerate(parts) if not p.get("constant")}
    words = method(**values)["routingKeyPattern"].split(".")
    for word, part in zip(words, parts):
        assert word == part.get("constant") or word == values[part["name"]]
    # the dict form is the same
    assert method(values) == method(**values)


@pytest.mark.parametrize("cls,name", EXCHANGES)
def test_exchange_methods_document_themselves(cls, name):
    method = getattr(getattr(taskcluster, cls), name)
    doc, entry = raw(cls, name)
    assert doc["exchangePrefix"] + entry["exchange"] in method.__doc__
    params = list(method.__signature__.parameters)
    assert params[:2] == ["self", "args"]
    assert params[2:] == [p["name"] for p in entry["routingKey"] if not p.get("constant")]


@pytest.fixture
def events():
    return taskcluster.QueueEvents()


def test_values_of_every_accepted_form(events):
    full = "primary.abc.0.wg.wi.prov.wt.sched.group.#"
    assert events.taskDefined(taskId="abc", runId=0, workerGroup="wg", workerId="wi",
                              provisionerId="prov", workerType="wt", schedulerId="sched",
                              taskGroupId="group")["routingKeyPattern"] == full
    assert events.taskDefined({"taskId": "abc"}, runId=1)["routingKeyPattern"] == \
        "primary.abc.1.*.*.*.*.*.*.#"
    # keywords win over the dict
    assert events.taskDefined({"taskId": "abc"}, taskId="def")["routingKeyPattern"] == \
        "primary.def.*.*.*.*.*.*.*.#"
    assert events.taskDefined(None)["routingKeyPattern"] == "primary.*.*.*.*.*.*.*.*.#"
    # a single string is a ready pattern, used as it is
    assert events.taskDefined("primary.#")["routingKeyPattern"] == "primary.#"
    assert events.taskDefined("abc")["routingKeyPattern"] == "abc"


def test_multiple_word_parts_take_dots(events):
    pattern = events.taskDefined(reserved="a.b.c")["routingKeyPattern"]
    assert pattern.endswith(".a.b.c")


def test_constant_parts_are_always_the_constant(events):
    assert events.taskDefined({"routingKeyKind": "other"})["routingKeyPattern"] \
        .startswith("primary.")


def test_numbers_become_strings_as_in_javascript(events):
    assert events.taskDefined(taskId="t", runId=3.0)["routingKeyPattern"] == \
        "primary.t.3.*.*.*.*.*.*.#"
    assert events.taskDefined(taskId="t", runId=7)["routingKeyPattern"] == \
        "primary.t.7.*.*.*.*.*.*.#"


@pytest.mark.parametrize("kwargs,argument", [
    ({"taskId": "a.b"}, "taskId"),
    ({"runId": True}, "runId"),
    ({"taskId": ["a"]}, "taskId"),
    ({"taskId": float("nan")}, "taskId"),
    ({"taskid": "a"}, "taskid"),
])
def test_refused_values_name_the_part(events, kwargs, argument):
    with pytest.raises(TaskclusterInputError) as info:
        events.taskDefined(**kwargs)
    assert info.value.argument == argument
    assert "QueueEvents.taskDefined" in str(info.value) and argument in str(info.value)


def test_one_positional_str_is_always_a_pattern_and_values_are_never_positional(events):
    # One meaning per form: taskCompleted('abc') is the pattern 'abc' (as in
    # Node's client and the package); part values go by keyword or dict.
    assert events.taskCompleted("abc")["routingKeyPattern"] == "abc"
    with pytest.raises(TaskclusterInputError, match="give part values by keyword") as info:
        events.taskCompleted("abc", "0")
    assert isinstance(info.value, taskcluster.TaskclusterTopicExchangeFailure)
    with pytest.raises(TaskclusterInputError, match="takes no part keywords"):
        events.taskCompleted("primary.#", taskId="abc")
    with pytest.raises(TaskclusterInputError, match="not int"):
        events.taskCompleted(7)


def test_routing_key_reference_cannot_edit_the_loaded_reference():
    events = taskcluster.QueueEvents()
    first = events.taskDefined()["routingKeyReference"]
    with pytest.raises(TypeError, match="read-only"):
        first[0]["constant"] = "secondary"
    with pytest.raises(TypeError, match="read-only"):
        first[0].update(name="x")
    first.pop()  # the list is the caller's own
    again = events.taskDefined()
    assert again["routingKeyPattern"].startswith("primary.")
    assert len(again["routingKeyReference"]) == len(first) + 1
    assert json.loads(json.dumps(again["routingKeyReference"]))[0]["constant"] == "primary"
    editable = [dict(p) for p in again["routingKeyReference"]]
    editable[0]["constant"] = "x"
    assert events.taskDefined()["routingKeyReference"][0]["constant"] == "primary"
