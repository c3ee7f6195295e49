"""The command line's output selection (``--field``, ``--output json|table``)
and its HTTP trace under ``--debug``, run as users run it (a child process
against the loopback server; storage on moto)."""

from __future__ import annotations

import re

import pytest
from cli_run import ACCESS_TOKEN, environment, run
from loopback import Reply

from taskcluster._cli._output import pick, render
from taskcluster._trace import redact_url

ARTIFACTS = {"artifacts": [
    {"name": "public/a.log", "storageType": "s3", "contentType": "text/plain"},
    {"name": "public/b", "storageType": "reference", "expires": "2030-01-01T00:00:00.000Z"}]}
STATUS = {"status": {"taskId": "abc", "state": "completed", "runs": [{"runId": 0}]}}


# -- the selection itself ------------------------------------------------------

def test_fields_pick_dotted_paths_and_go_through_lists():
    assert pick(STATUS, ["status.state"]) == "completed"
    assert pick(ARTIFACTS, ["artifacts.name"]) == ["public/a.log", "public/b"]
    assert pick(STATUS, ["status.taskId", "status.nope", "status.runs.runId"]) == {
        "status.taskId": "abc", "status.nope": None, "status.runs.runId": [0]}
    assert pick(STATUS, []) is STATUS


def test_json_and_plain_text():
    assert render(STATUS, [], "json", terminal=False) == \
        '{"status":{"taskId":"abc","state":"completed","runs":[{"runId":0}]}}'
    assert render(STATUS, ["status.state"], "json", terminal=False) == "completed"
    # A string with a control character (an escape sequence) stays quoted JSON.
    assert render({"s": "a\x1b[2Jb"}, ["s"], "json", terminal=False) == '"a\\u001b[2Jb"'
    assert render(STATUS, ["status.runs"], "json", terminal=True) == \
        '[\n  {\n    "runId": 0\n  }\n]'


def test_tables():
    assert render(ARTIFACTS, [], "table", terminal=False).splitlines() == [
        "NAME          STORAGETYPE  CONTENTTYPE  EXPIRES",
        "public/a.log  s3           text/plain",
        "public/b      reference                 2030-01-01T00:00:00.000Z"]
    assert render(ARTIFACTS, ["storageType", "name"], "table", terminal=False).splitlines() \
        == ["STORAGETYPE  NAME", "s3           public/a.log", "reference    public/b"]
    assert render(STATUS, [], "table", terminal=False).splitlines() == [
        "KEY            VALUE", "status.taskId  abc", "status.state   completed",
        'status.runs    [{"runId":0}]']
    assert render({"a": "x\ny"}, ["a"], "table", terminal=False).splitlines() == \
        ["KEY  VALUE", "a    x\\ny"]


# -- through the command line ---------------------------------------------------

@pytest.fixture
def deployment(server):
    server.serve("/api/queue/v1/task/abc/status", Reply(200, STATUS))
    server.serve("/api/queue/v1/task/abc/runs/0/artifacts", Reply(200, ARTIFACTS))
    return environment(server.url, credentials=True)


def test_the_command_line_selects_and_shapes_answers(deployment):
    r = run("--field", "status.state", "task", "status", "abc", env=deployment)
    assert (r.code, r.out, r.err) == (0, "completed\n", "")
    r = run("--output", "table", "api", "queue", "listArtifacts", "abc", "0", env=deployment)
    assert r.code == 0 and r.out.splitlines()[0].split() == [
        "NAME", "STORAGETYPE", "CONTENTTYPE", "EXPIRES"]
    r = run("--field", "artifacts.name", "api", "queue", "listArtifacts", "abc", "0",
            env=deployment)
    assert r.out == '["public/a.log","public/b"]\n'
    r = run("--output", "yaml", "task", "status", "abc", env=deployment)
    assert r.code == 2 and "'yaml' is not one of 'json', 'table'" in r.err


def test_debug_traces_each_request_without_a_secret(deployment, server):
    r = run("--debug", "task", "status", "abc", env=deployment)
    assert r.code == 0
    assert re.fullmatch(r"python -m taskcluster: http: GET %s/api/queue/v1/task/abc/status "
                        r"-> 200 \(\d+ ms\)\n" % re.escape(server.url), r.err), r.err
    assert server.requests[-1].headers["authorization"].startswith("Hawk ")
    assert "Hawk" not in r.err and ACCESS_TOKEN not in r.err
    r = run("task", "status", "abc", env=deployment)
    assert r.err == ""                                # no trace without --debug


def test_debug_traces_a_download_from_storage_with_its_signature_redacted(services, tmp_path):
    services.add_s3_artifact("VmU-SDi9RnqmN0RqLdBRgg", "public/x.bin", b"x" * 100,
                             "application/octet-stream")
    env = environment(services.root_url, credentials=True)
    r = run("--debug", "download", "artifact", "VmU-SDi9RnqmN0RqLdBRgg", "public/x.bin",
            "-o", str(tmp_path / "x.bin"), env=env)
    assert r.code == 0, r.err
    trace = [line for line in r.err_lines if ": http: " in line]
    storage = [line for line in trace if "X-Amz-" in line]
    assert storage and all(re.search(r"-> 200 \(\d+ ms\)$", line) for line in storage)
    assert all("X-Amz-Signature=REDACTED" in line and "X-Amz-Credential=REDACTED" in line
               for line in storage), storage
    assert not re.search(r"(Signature|Credential)=(?!REDACTED)", r.err)
    assert (tmp_path / "x.bin").read_bytes() == b"x" * 100


def test_redact_url():
    assert redact_url("https://s3.example/b/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F1"
                      "&X-Amz-Signature=abc&x-id=GetObject") == \
        "https://s3.example/b/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=REDACTED" \
        "&X-Amz-Signature=REDACTED&x-id=GetObject"
    assert redact_url("https://tc/api/queue/v1/task/a?bewit=Zm9v") == \
        "https://tc/api/queue/v1/task/a?bewit=REDACTED"
    assert redact_url("https://x/blob?sv=1&sig=s3cr3t&token=t") == \
        "https://x/blob?sv=1&sig=REDACTED&token=REDACTED"
    assert redact_url("https://tc/api/queue/v1/ping") == "https://tc/api/queue/v1/ping"
