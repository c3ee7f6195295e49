"""Whole clients with ``validatePayloads`` / ``validateResponses`` against the
loopback server: an invalid payload is refused before any byte is sent, an
invalid answer is refused after parsing, and both are off unless asked for."""

import copy
import json
import pickle
import pydoc

import pytest
from loopback import Reply
from test_schemas import minimal

import taskcluster
from taskcluster import TaskclusterInputError, TaskclusterResponseValidationError, _schemas
from taskcluster.client import config, queue as module_queue

TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"


def schema(name):
    path = "queue/v1/%s" % name
    return minimal(*_schemas.deref(path, _schemas.load(path)))


@pytest.fixture
def task():
    return schema("create-task-request.json")


def answer(server):
    server.serve("/api/queue/v1/task/" + TASK_ID,
                 Reply(200, schema("task-status-response.json")))


def test_an_invalid_payload_is_refused_before_sending(server, task):
    answer(server)
    queue = taskcluster.Queue({"rootUrl": server.url, "validatePayloads": True})
    del task["metadata"]["owner"]
    with pytest.raises(TaskclusterInputError) as info:
        queue.createTask(TASK_ID, task)
    assert str(info.value) == ("Queue.createTask: payload.metadata.owner is required "
                               "(rule 'required' of schema v1/create-task-request.json#)")
    assert info.value.method == "Queue.createTask" and info.value.argument == "payload"
    assert server.requests == [] and server.connections == 0


def test_a_valid_payload_is_sent_unchanged(server, task):
    answer(server)
    queue = taskcluster.Queue({"rootUrl": server.url, "validatePayloads": True})
    before = copy.deepcopy(task)
    queue.createTask(TASK_ID, task)
    assert task == before
    assert json.loads(server.requests[0].body) == task


def test_payloads_are_not_checked_by_default(server, task):
    answer(server)
    task["priority"] = "urgent"
    taskcluster.Queue({"rootUrl": server.url}).createTask(TASK_ID, task)
    assert json.loads(server.requests[0].body)["priority"] == "urgent"


@pytest.mark.parametrize("value, checked", [("1", True), ("0", False), ("", False)])
def test_the_environment_turns_payload_checks_on(server, task, monkeypatch, value, checked):
    answer(server)
    monkeypatch.setenv("TASKCLUSTER_VALIDATE_PAYLOADS", value)
    task["priority"] = "urgent"
    queue = taskcluster.Queue({"rootUrl": server.url})
    if checked:
        with pytest.raises(TaskclusterInputError, match=r"payload\.priority must be one of"):
            queue.createTask(TASK_ID, task)
        assert server.requests == []
    else:
        queue.createTask(TASK_ID, task)
        assert len(server.requests) == 1


def test_the_option_wins_over_the_environment(server, task, monkeypatch):
    answer(server)
    monkeypatch.setenv("TASKCLUSTER_VALIDATE_PAYLOADS", "1")
    task["priority"] = "urgent"
    taskcluster.Queue({"rootUrl": server.url, "validatePayloads": False}).createTask(
        TASK_ID, task)
    assert len(server.requests) == 1


def test_an_invalid_answer_is_refused_when_responses_are_checked(server, task):
    status = schema("task-status-response.json")
    del status["status"]["taskId"]
    server.serve("/api/queue/v1/task/" + TASK_ID, Reply(200, status))
    queue = taskcluster.Queue({"rootUrl": server.url, "validateResponses": True})
    with pytest.raises(TaskclusterResponseValidationError) as info:
        queue.createTask(TASK_ID, task)
    e = info.value
    assert str(e).startswith("Queue.createTask: response.status.taskId is required")
    # The service's answer is at fault, not the caller's input.
    assert not isinstance(e, TaskclusterInputError)
    assert isinstance(e, taskcluster.TaskclusterFailure)
    assert (e.method, e.url, e.status_code) == (
        "Queue.createTask", server.url + "/api/queue/v1/task/" + TASK_ID, 200)
    assert (e.path, e.rule) == ("response.status.taskId", "required")
    assert e.body is None            # the answer may hold a secret: not kept
    assert pickle.loads(pickle.dumps(e)).path == e.path
    # the answer is not retried: it is what the service said
    assert len(server.requests) == 1
    # unchecked, the same answer is returned as is
    assert taskcluster.Queue({"rootUrl": server.url}).createTask(TASK_ID, task) == status


def test_a_valid_answer_passes(server, task, monkeypatch):
    answer(server)
    monkeypatch.setenv("TASKCLUSTER_VALIDATE_RESPONSES", "1")
    queue = taskcluster.Queue({"rootUrl": server.url})
    assert queue.createTask(TASK_ID, task) == schema("task-status-response.json")


def test_module_level_clients_take_the_switch_from_config(server, task, monkeypatch):
    answer(server)
    monkeypatch.setitem(config, "rootUrl", server.url)
    monkeypatch.setitem(config, "validatePayloads", True)
    task["retries"] = "5"
    with pytest.raises(TaskclusterInputError, match=r"payload\.retries must be integer"):
        module_queue.createTask(TASK_ID, task)
    assert server.requests == []


@pytest.mark.parametrize("name", ["validatePayloads", "validateResponses"])
def test_the_switches_take_only_booleans(name):
    with pytest.raises(TaskclusterInputError, match="option %r must be True or False" % name):
        taskcluster.Queue({name: "yes"})


def test_help_lists_the_payload_keys():
    text = pydoc.render_doc(taskcluster.Queue.createTask, renderer=pydoc.plaintext)
    assert "Payload keys (v1/create-task-request.json#):" in text
    assert "created        string (date-time), required" in text
    assert 'requires       "all-completed" | "all-resolved"' in text
    assert "Payload keys" not in taskcluster.Queue.task.__doc__


def test_the_docstring_keeps_every_paragraph_of_the_description():
    cls = taskcluster.Queue
    entry = cls.createTask.entry
    queue = cls({"rootUrl": "https://tc.example.com"})
    doc = queue.createTask.__doc__     # first looked up through an instance
    assert doc.endswith("\n\n" + entry.description.strip())
    assert doc.count("Payload keys") == 1 and "\n\n" in entry.description.strip()
    assert doc.index("Scopes:") < doc.index("Payload keys") < doc.index(
        entry.description.strip()[:40])
    # the plain function is left in the class, for the next lookups
    assert type(vars(cls)["createTask"]).__name__ == "function"
    assert cls.createTask.__doc__ == doc


def test_a_subclass_sees_the_same_method():
    class Mine(taskcluster.Hooks):
        pass
    assert "Payload keys" in Mine.createHook.__doc__
    assert vars(taskcluster.Hooks)["createHook"] is Mine.createHook


def test_the_refusal_carries_the_path_and_the_rule(server, task):
    queue = taskcluster.Queue({"rootUrl": server.url, "validatePayloads": True})
    task["retries"] = "5"
    with pytest.raises(TaskclusterInputError) as info:
        queue.createTask(TASK_ID, task)
    assert (info.value.path, info.value.rule) == ("payload.retries", "type")
    assert server.requests == []
