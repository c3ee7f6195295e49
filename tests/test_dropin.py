"""Code written for the ``taskcluster`` package runs unchanged: its users'
HTTP mocks see every call, answers and classes have its shapes, and a
deployment's own references can be used."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from loopback import Reply

import taskcluster
from taskcluster import utils

ROOT = "https://tc.example.com"
TASK_URL = ROOT + "/api/queue/v1/task/abc"
CREDS = {"clientId": "mock-tester", "accessToken": "mock-token"}


# -- HTTP mocks at the requests level ----------------------------------------------

def test_responses_intercepts_every_call():
    responses = pytest.importorskip("responses")
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, TASK_URL, json={"taskId": "abc"})
        mock.add(responses.PUT, TASK_URL, json={"status": {}})
        queue = taskcluster.Queue({"rootUrl": ROOT, "credentials": CREDS})
        assert queue.task("abc") == {"taskId": "abc"}
        assert queue.createTask("abc", {"x": 1}) == {"status": {}}
        sent = mock.calls[1].request
        assert sent.body == b'{"x":1}' and sent.headers["Content-Type"] == "application/json"
        assert sent.headers["Authorization"].startswith('Hawk id="mock-tester"')


def test_responses_error_answers_raise_the_package_classes():
    responses = pytest.importorskip("responses")
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, TASK_URL, status=404, json={"code": "ResourceNotFound",
                                                            "message": "no such task"})
        with pytest.raises(taskcluster.TaskclusterRestFailure) as info:
            taskcluster.Queue({"rootUrl": ROOT}).task("abc")
        assert info.value.status_code == 404 and "no such task" in str(info.value)
        assert info.value.body == {"code": "ResourceNotFound", "message": "no such task"}


def test_requests_mock_intercepts_every_call():
    requests_mock = pytest.importorskip("requests_mock")
    with requests_mock.Mocker() as mock:
        mock.get(TASK_URL, json={"taskId": "abc"})
        mock.get(ROOT + "/api/index/v1/task/some.path", status_code=303,
                 headers={"Location": "https://elsewhere.example.com/x"}, text="")
        assert taskcluster.Queue({"rootUrl": ROOT}).task("abc") == {"taskId": "abc"}
        value = taskcluster.Index({"rootUrl": ROOT}).findTask("some.path")
        assert value["response"].headers["location"] == "https://elsewhere.example.com/x"
        assert mock.call_count == 2


def test_httmock_intercepts_every_call():
    httmock = pytest.importorskip("httmock")
    seen = []

    @httmock.all_requests
    def answer(url, request):
        seen.append((request.method, url.path))
        return {"status_code": 200, "content": {"taskId": "abc"},
                "headers": {"Content-Type": "application/json"}}

    with httmock.HTTMock(answer):
        assert taskcluster.Queue({"rootUrl": ROOT}).task("abc") == {"taskId": "abc"}
        assert taskcluster.Queue({"rootUrl": ROOT}).status("abc") == {"taskId": "abc"}
    assert seen == [("GET", "/api/queue/v1/task/abc"), ("GET", "/api/queue/v1/task/abc/status")]


def test_create_session_is_a_requests_session_and_is_used(server):
    import requests
    session = taskcluster.createSession()
    assert isinstance(session, requests.Session)
    queue = taskcluster.Queue({"rootUrl": server.url}, session=session)
    assert queue.session is session
    queue.task("abc")
    queue.close()
    assert session.get(server.url + "/still-open").status_code == 200   # left to its owner


# -- payloads ----------------------------------------------------------------------------

def test_datetimes_in_a_payload_are_written_as_the_package_dumpjson_writes_them(server):
    queue = taskcluster.Queue({"rootUrl": server.url})
    when = dt.datetime(2026, 11, 25, 10, 11, 12, 345678, tzinfo=dt.timezone.utc)
    naive = dt.datetime(2026, 1, 2, 3, 4, 5)
    payload = {"created": when, "deadline": naive, "day": dt.date(2026, 1, 2), "raw": b"x",
               "name": "caf\u00e9"}
    queue.createTask("abc", payload)
    body = server.requests[-1].body
    assert json.loads(body) == json.loads(utils.dumpJson(payload))
    assert body == json.dumps(json.loads(utils.dumpJson(payload)), separators=(",", ":"),
                              ensure_ascii=False).encode("utf-8")   # compact UTF-8, as Node


# -- classes -----------------------------------------------------------------------------

def test_classes_carry_the_package_attributes():
    queue = taskcluster.Queue
    assert (queue.serviceName, queue.apiVersion, queue.name) == ("queue", "v1", "Queue")
    assert queue.classOptions == {}
    assert taskcluster.QueueEvents.classOptions == {
        "exchangePrefix": "exchange/taskcluster-queue/v1/"}
    assert queue.funcinfo["task"]["route"] == "/task/<taskId>"
    assert queue.funcinfo["createTask"]["args"] == ["taskId"]
    queue.funcinfo["task"]["route"] = "/elsewhere"     # a copy: calls do not read it
    try:
        assert queue({"rootUrl": ROOT}).buildUrl("task", "a") == ROOT + "/api/queue/v1/task/a"
    finally:
        queue.funcinfo["task"]["route"] = "/task/<taskId>"


def test_create_api_client_from_one_reference_document(server):
    from taskcluster.client import createApiClient
    doc = {"serviceName": "newsvc", "apiVersion": "v2", "title": "New", "description": "",
           "entries": [{"type": "function", "name": "frobnicate", "method": "post",
                        "route": "/frob/<thing>", "args": ["thing"], "query": ["fast"],
                        "input": "v2/frob.json#", "title": "Frob", "description": "",
                        "stability": "experimental", "category": "x"}]}
    for form in (doc, {"reference": doc}):     # the package passes {"reference": ...}
        NewSvc = createApiClient("NewSvc", form)
        client = NewSvc({"rootUrl": server.url, "credentials": CREDS})
        client.frobnicate("t 1", {"a": 1}, query={"fast": True})
        rec = server.requests[-1]
        assert (rec.method, rec.target) == ("POST", "/api/newsvc/v2/frob/t%201?fast=true")
        assert rec.body == b'{"a":1}'
    with pytest.raises(taskcluster.TaskclusterInputError, match="createApiClient"):
        createApiClient("Bad", {"entries": "nope"})


def _deployment(tmp_path: Path) -> Path:
    """A deployment's references: the bundled set with one method added, as
    ``taskcluster-refresh-references`` would write them."""
    from taskcluster._references import bundled_dir
    dest = tmp_path / "refs"
    shutil.copytree(bundled_dir(), dest)
    api = dest / "queue" / "v1" / "api.json"
    doc = json.loads(api.read_text())
    doc["entries"].append({"type": "function", "name": "taskQueueCountsBatch", "method": "post",
                           "route": "/pending-batch", "args": [], "query": [],
                           "input": "v1/batch.json#", "title": "t", "description": "",
                           "stability": "experimental", "category": "x"})
    api.write_text(json.dumps(doc))
    return dest


def test_references_dir_option_gives_a_deployment_method(server, tmp_path):
    refs = _deployment(tmp_path)
    queue = taskcluster.Queue({"rootUrl": server.url, "referencesDir": str(refs)})
    assert isinstance(queue, taskcluster.Queue)
    queue.taskQueueCountsBatch({"taskQueueIds": ["a/b"]})
    assert server.requests[-1].target == "/api/queue/v1/pending-batch"
    assert not hasattr(taskcluster.Queue({"rootUrl": server.url}), "taskQueueCountsBatch")
    with pytest.raises(taskcluster.TaskclusterInputError, match="referencesDir"):
        taskcluster.Queue({"referencesDir": str(tmp_path / "missing")})


def test_taskcluster_references_environment_variable(tmp_path):
    refs = _deployment(tmp_path)
    code = ("import taskcluster\n"
            "print(hasattr(taskcluster.Queue, 'taskQueueCountsBatch'))\n")
    env = dict(os.environ, TASKCLUSTER_REFERENCES=str(refs))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "True"
    env["TASKCLUSTER_REFERENCES"] = str(tmp_path / "nothing-here")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True)
    assert result.returncode != 0 and "TASKCLUSTER_REFERENCES" in result.stderr


# -- installing beside the official package -----------------------------------------------

def test_a_mix_with_the_official_package_is_refused_at_import(tmp_path):
    # Both distributions install "taskcluster"; the official one always has
    # generated/.  A copy of our package with that directory added stands
    # for the mix pip leaves behind.
    pkg = tmp_path / "taskcluster"
    shutil.copytree(Path(taskcluster.__file__).parent, pkg,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "generated").mkdir()
    (pkg / "generated" / "__init__.py").write_text("")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", "import taskcluster"], env=env,
                            capture_output=True, text=True, cwd=str(tmp_path))
    assert result.returncode != 0
    assert "taskcluster-refclient" in result.stderr and "'taskcluster'" in result.stderr
    assert "pip uninstall -y taskcluster && pip install --force-reinstall " in result.stderr


def test_server_answers_shape_through_a_real_server(server):
    server.plan(Reply(200, b"just text", {"Content-Type": "text/plain"}))
    value = taskcluster.Queue({"rootUrl": server.url}).task("abc")
    assert value["response"].text == "just text"
