"""``task`` and ``group`` (taskcluster._cli.task) as child processes against
servers on 127.0.0.1: the queue calls, every page of paginated answers, and
``task log`` streaming a live log as it is written."""

from __future__ import annotations

import json
import os
import select
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cli_run import ACCESS_TOKEN, CLIENT_ID, command, environment, run
from hawkcheck import verify_bewit
from loopback import Reply, closed_port

TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"
GROUP_ID = "dSlITZ4yQgmvxxAi4A8fHQ"
LOG_PATH = "/api/queue/v1/task/%s/artifacts/public%%2Flogs%%2Flive.log" % TASK_ID


@pytest.fixture
def env(server):
    return environment(server.url, credentials=True)


def test_task_status_and_def(server, env):
    server.serve("/api/queue/v1/task/%s/status" % TASK_ID, Reply(200, {"status": {"state": "running"}}))
    server.serve("/api/queue/v1/task/%s" % TASK_ID, Reply(200, {"metadata": {"name": "t"}}))
    assert json.loads(run("task", "status", TASK_ID, env=env).out) == {"status": {"state": "running"}}
    assert json.loads(run("task", "def", TASK_ID, env=env).out) == {"metadata": {"name": "t"}}
    assert [r.path for r in server.requests] == ["/api/queue/v1/task/%s/status" % TASK_ID,
                                                 "/api/queue/v1/task/%s" % TASK_ID]


def test_task_artifacts_follows_every_page(server, env):
    server.plan(Reply(200, {"artifacts": [{"name": "a"}], "continuationToken": "t/1"}),
                Reply(200, {"artifacts": [{"name": "b"}, {"name": "c"}]}))
    r = run("task", "artifacts", TASK_ID, env=env)
    assert r.code == 0, r.err
    assert json.loads(r.out) == {"artifacts": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}
    assert [r.target for r in server.requests] == [
        "/api/queue/v1/task/%s/artifacts" % TASK_ID,
        "/api/queue/v1/task/%s/artifacts?continuationToken=t%%2F1" % TASK_ID]
    run("task", "artifacts", TASK_ID, "--run", "2", env=env)
    assert server.requests[-1].path == "/api/queue/v1/task/%s/runs/2/artifacts" % TASK_ID


def test_group_list_and_status_follow_every_page(server, env):
    tasks = [{"status": {"taskId": "t%d" % i, "state": s}, "task": {}}
             for i, s in enumerate(["completed", "failed", "completed", "running"])]

    def pages():
        return [Reply(200, {"taskGroupId": GROUP_ID, "tasks": tasks[:3], "continuationToken": "c"}),
                Reply(200, {"taskGroupId": GROUP_ID, "tasks": tasks[3:]})]
    server.plan(*pages())
    r = run("group", "list", GROUP_ID, env=env)
    assert r.code == 0, r.err
    assert json.loads(r.out) == {"taskGroupId": GROUP_ID, "tasks": tasks}
    server.plan(Reply(200, {"taskGroupId": GROUP_ID, "schedulerId": "s", "sealed": None}),
                *pages())
    r = run("group", "status", GROUP_ID, env=env)
    assert r.code == 0, r.err
    assert json.loads(r.out) == {"taskGroupId": GROUP_ID, "schedulerId": "s", "sealed": None,
                                 "taskCount": 4,
                                 "states": {"completed": 2, "failed": 1, "running": 1}}
    assert server.requests[2].path == "/api/queue/v1/task-group/%s" % GROUP_ID


def test_task_commands_report_api_errors_with_exit_1(server, env):
    server.plan(Reply(404, {"code": "ResourceNotFound", "message": "no task"}))
    r = run("task", "status", TASK_ID, env=env)
    assert r.code == 1 and len(r.err_lines) == 1 and "ResourceNotFound" in r.err


class LogServer:
    """The queue's redirect and a live log that is written while it is read:
    the first chunk, then nothing until ``release`` is set, then the rest.
    ``chunked``: sent with chunked transfer encoding (as a live log is) or
    with a Content-Length (as a stored log is)."""

    def __init__(self, chunked=True, first=b"line 1\n", rest=(b"line 2\n", b"line 3\n"),
                 headers=()):
        self.release = threading.Event()
        self.seen = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                owner.seen.append(self.path)
                if self.path.startswith(LOG_PATH):
                    self.send_response(303)
                    self.send_header("Location", "/live")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                for name, value in headers:
                    self.send_header(name, value)
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(len(first) + sum(map(len, rest))))
                self.end_headers()
                self._send(first)
                owner.release.wait(30)
                for part in rest:
                    self._send(part)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            def _send(self, data):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _read_some(fd, timeout=30):
    ready, _, _ = select.select([fd], [], [], timeout)
    assert ready, "nothing written within %s s" % timeout
    return os.read(fd, 65536)


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
@pytest.mark.parametrize("credentials", [True, False], ids=["signed", "unsigned"])
def test_task_log_streams_the_log_as_it_is_written(chunked, credentials):
    logs = LogServer(chunked=chunked)
    try:
        proc = subprocess.Popen(command("task", "log", TASK_ID),
                                env=environment(logs.url, credentials=credentials),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/")
        # The first line arrives while the server still holds the rest back:
        # the command wrote it without waiting for the end of the body.
        assert _read_some(proc.stdout.fileno()) == b"line 1\n"
        assert proc.poll() is None
        logs.release.set()
        rest = proc.stdout.read()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=30) == 0, err
        assert rest == b"line 2\nline 3\n" and err == ""
        first = logs.seen[0]
        assert first.startswith(LOG_PATH)
        if credentials:
            assert "?bewit=" in first
            assert verify_bewit(logs.url + first, CLIENT_ID, ACCESS_TOKEN)
        else:
            assert first == LOG_PATH
        assert logs.seen[1] == "/live"
    finally:
        proc.stdout.close()
        proc.stderr.close()
        logs.close()


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_task_log_decodes_a_gzip_encoded_stored_log(chunked):
    """A finished task's log is stored gzip-encoded (Content-Encoding: gzip)."""
    import gzip
    text = b"".join(b"line %d\n" % i for i in range(5000))
    packed = gzip.compress(text)
    logs = LogServer(chunked=chunked, first=packed[:1000], rest=(packed[1000:],),
                     headers=[("Content-Encoding", "gzip")])
    logs.release.set()
    try:
        r = subprocess.run(command("task", "log", TASK_ID), env=environment(logs.url),
                           capture_output=True, timeout=60, cwd="/")
    finally:
        logs.close()
    assert r.returncode == 0, r.stderr
    assert r.stdout == text


def test_task_log_errors_never_show_the_bewit(server, env):
    server.plan(Reply(404, {"code": "ResourceNotFound", "message": "no artifact\nat all"}))
    r = run("task", "log", TASK_ID, env=env)
    assert r.code == 1
    assert r.err_lines == ["python -m taskcluster: task log: GET %s%s answered 404: no artifact"
                           % (server.url, LOG_PATH)]
    assert "bewit" in server.requests[0].target and "bewit" not in r.err
    env = environment("http://127.0.0.1:%d" % closed_port(), credentials=True)
    r = run("task", "log", TASK_ID, env=env)
    assert r.code == 1 and len(r.err_lines) == 1
    assert "failed" in r.err and "bewit=" not in r.err.replace("bewit=<hidden>", "")
