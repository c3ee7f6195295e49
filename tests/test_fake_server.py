"""The fake deployment as a server: its life (start, stop, the port closed
after), routing, 404/405/501 answers, the clock, reset; the command
``taskcluster-py fake`` as a child process; the pytest fixture."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import textwrap

import pytest
import requests

import taskcluster
from cli_run import environment
from cli_run import run as run_cli
from taskcluster import _hawk
from taskcluster.fake import FakeDeployment


def port_of(url):
    return int(url.rsplit(":", 1)[1])


def accepts(port):
    with socket.socket() as s:
        s.settimeout(5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def signed(tc, method, path, **kwargs):
    url = tc.rootUrl + path
    header = _hawk.authorization_header(method, url, tc.rootCredentials["clientId"],
                                        tc.rootCredentials["accessToken"])
    return requests.request(method, url, headers={"Authorization": header}, timeout=30, **kwargs)


# -- life -----------------------------------------------------------------------------

def test_the_port_is_closed_once_stop_returns_even_with_a_connection_open():
    tc = FakeDeployment()
    tc.start()
    assert tc.rootUrl == "http://127.0.0.1:%d" % port_of(tc.rootUrl)
    port = port_of(tc.rootUrl)
    with requests.Session() as session:   # keeps its connection open
        assert session.get(tc.rootUrl + "/api/auth/v1/ping", timeout=30).json()["alive"]
        tc.stop()
        assert not accepts(port)
        with pytest.raises(requests.ConnectionError):
            session.get(tc.rootUrl + "/api/auth/v1/ping", timeout=30)
    tc.stop()   # a second stop is harmless


def test_a_context_manager_and_a_given_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with FakeDeployment(port=port) as tc:
        assert tc.rootUrl == "http://127.0.0.1:%d" % port
        assert accepts(port)
    assert not accepts(port)


def test_a_port_in_use_is_refused_at_start():
    with FakeDeployment() as first:
        with pytest.raises(OSError):
            FakeDeployment(port=port_of(first.rootUrl)).start()


def test_starting_twice_is_refused(taskcluster_fake):
    with pytest.raises(RuntimeError, match="already started"):
        taskcluster_fake.start()


def test_root_credentials_are_kept_across_reset_and_differ_between_deployments(
        taskcluster_fake):
    before = dict(taskcluster_fake.rootCredentials)
    taskcluster_fake.reset()
    assert taskcluster_fake.rootCredentials == before
    with FakeDeployment() as other:
        assert other.rootCredentials["accessToken"] != before["accessToken"]
        assert other.rootCredentials["clientId"] == before["clientId"]


def test_advance_moves_the_clock_forward_only(taskcluster_fake):
    before = taskcluster_fake.now()
    taskcluster_fake.advance(3600)
    assert (taskcluster_fake.now() - before).total_seconds() >= 3600
    with pytest.raises(ValueError):
        taskcluster_fake.advance(-1)


def test_reset_clears_recorded_messages_and_the_clock(taskcluster_fake):
    tc = taskcluster_fake
    taskcluster.Notify({"rootUrl": tc.rootUrl, "credentials": tc.rootCredentials}).pulse(
        {"routingKey": "a", "message": {}})
    tc.advance(100)
    assert tc.pulseMessages and tc.notifications
    tc.reset()
    assert (tc.pulseMessages, tc.notifications) == ([], [])
    assert abs((tc.now() - __import__("datetime").datetime.now(
        __import__("datetime").timezone.utc)).total_seconds()) < 60


def test_the_repr_names_no_secret(taskcluster_fake):
    assert taskcluster_fake.rootCredentials["accessToken"] not in repr(taskcluster_fake)


# -- routing ----------------------------------------------------------------------------

def test_an_unknown_url_is_404_with_a_code(taskcluster_fake):
    for path in ("/nothing", "/api/secrets/v1/no/such/route", "/api/nosuch/v1/x"):
        answer = requests.get(taskcluster_fake.rootUrl + path, timeout=30)
        assert answer.status_code == 404 and answer.json()["code"] == "ResourceNotFound", path


def test_a_known_route_with_another_method_is_405(taskcluster_fake):
    answer = requests.post(taskcluster_fake.rootUrl + "/api/auth/v1/ping", timeout=30)
    assert answer.status_code == 405 and answer.json()["code"] == "MethodNotAllowed"


def test_a_method_without_a_backend_is_501_naming_it_even_with_invalid_input(taskcluster_fake):
    answer = signed(taskcluster_fake, "PUT", "/api/worker-manager/v1/worker-pool/a%2Fb",
                    data=b"this is not JSON")
    assert answer.status_code == 501
    assert answer.json()["code"] == "NotImplemented"
    assert "worker-manager.createWorkerPool" in answer.json()["message"]
    wm = taskcluster.WorkerManager({"rootUrl": taskcluster_fake.rootUrl, "maxRetries": 0})
    with pytest.raises(taskcluster.TaskclusterRestFailure) as e:
        wm.listWorkerPools()
    assert (e.value.status_code, e.value.code) == (501, "NotImplemented")


def test_a_body_that_is_not_json_is_400_malformed_payload(taskcluster_fake):
    answer = signed(taskcluster_fake, "PUT", "/api/secrets/v1/secret/x", data=b"{nope")
    assert answer.status_code == 400 and answer.json()["code"] == "MalformedPayload"


def test_a_name_with_slashes_is_matched_escaped_or_not(taskcluster_fake):
    tc = taskcluster_fake
    s = taskcluster.Secrets({"rootUrl": tc.rootUrl, "credentials": tc.rootCredentials})
    s.set("a/b/c", {"secret": {"v": 1}, "expires": taskcluster.stringDate(
        taskcluster.fromNow("1 hour"))})
    assert signed(tc, "GET", "/api/secrets/v1/secret/a%2Fb%2Fc").json()["secret"] == {"v": 1}
    assert signed(tc, "GET", "/api/secrets/v1/secret/a/b/c").json()["secret"] == {"v": 1}


def test_error_answers_carry_request_info(taskcluster_fake):
    answer = signed(taskcluster_fake, "GET", "/api/secrets/v1/secret/none")
    body = answer.json()
    assert (answer.status_code, body["code"]) == (404, "ResourceNotFound")
    assert body["requestInfo"]["method"] == "get"
    assert body["requestInfo"]["params"] == {"name": "none"}


def test_a_backend_can_be_called_without_http(taskcluster_fake):
    tc = taskcluster_fake
    tc.call("secrets", "set", {"name": "direct"},
            {"secret": {"v": 2}, "expires": taskcluster.stringDate(taskcluster.fromNow("1 hour"))},
            clientId="test", scopes=["secrets:set:direct"])
    assert tc.backend("secrets").secrets["direct"]["secret"] == {"v": 2}
    from taskcluster.fake import FakeError
    with pytest.raises(FakeError) as e:
        tc.call("secrets", "get", {"name": "direct"}, clientId="test", scopes=[])
    assert e.value.status == 403


# -- the command --------------------------------------------------------------------------

def _serve(*args):
    proc = subprocess.Popen([sys.executable, "-m", "taskcluster", "fake", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environment(), cwd="/")
    lines = [proc.stdout.readline() for _ in range(3)]
    return proc, lines


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM])
def test_the_command_prints_exports_serves_and_exits_0_on_a_signal(stop_with):
    proc, lines = _serve()
    try:
        exports = dict(shlex.split(line)[1].split("=", 1) for line in lines)
        assert [line.split("=")[0] for line in lines] == [
            "export TASKCLUSTER_ROOT_URL", "export TASKCLUSTER_CLIENT_ID",
            "export TASKCLUSTER_ACCESS_TOKEN"]
        port = port_of(exports["TASKCLUSTER_ROOT_URL"])
        auth = taskcluster.Auth({"rootUrl": exports["TASKCLUSTER_ROOT_URL"], "credentials": {
            "clientId": exports["TASKCLUSTER_CLIENT_ID"],
            "accessToken": exports["TASKCLUSTER_ACCESS_TOKEN"]}})
        assert auth.currentScopes() == {"scopes": ["*"]}
        proc.send_signal(stop_with)
        assert proc.wait(timeout=60) == 0
        assert not accepts(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_the_command_honours_port_and_its_exports_evaluate_in_a_shell():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, lines = _serve("--port", str(port))
    try:
        assert lines[0].strip() == "export TASKCLUSTER_ROOT_URL=http://127.0.0.1:%d" % port
        shell = subprocess.run(["sh", "-c", "".join(lines) + 'echo "$TASKCLUSTER_CLIENT_ID"'],
                               capture_output=True, text=True, timeout=60)
        assert shell.stdout.strip() == "static/taskcluster/root"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        proc.stdout.close()
        proc.stderr.close()


def test_the_command_line_client_talks_to_it(taskcluster_fake):
    tc = taskcluster_fake
    env = environment(tc.rootUrl, TASKCLUSTER_CLIENT_ID=tc.rootCredentials["clientId"],
                      TASKCLUSTER_ACCESS_TOKEN=tc.rootCredentials["accessToken"])
    made = run_cli("api", "secrets", "set", "cli/one",
                   '{"secret": {"a": 1}, "expires": "%s"}'
                   % taskcluster.stringDate(taskcluster.fromNow("1 hour")), env=env)
    assert made.code == 0, made.err
    got = run_cli("api", "secrets", "get", "cli/one", env=env)
    assert got.code == 0 and '"a":1' in got.out.replace(" ", "")
    denied = run_cli("api", "secrets", "get", "cli/one", env=environment(tc.rootUrl))
    assert denied.code == 1 and "InsufficientScopes" in denied.err


# -- the pytest fixture ------------------------------------------------------------------

def _pytest(tmp_path, source, *args):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(source))
    env = environment(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", TASKCLUSTER_ROOT_URL="https://before",
                      PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "taskcluster.fake.pytest_plugin", *args, str(tmp_path)],
                          capture_output=True, text=True, env=env, cwd=str(tmp_path),
                          timeout=120)


def test_the_fixture_gives_fresh_state_on_one_server_and_restores_the_environment(tmp_path):
    result = _pytest(tmp_path, """
        import os
        import taskcluster

        seen = {}

        def test_one(taskcluster_fake):
            assert os.environ["TASKCLUSTER_ROOT_URL"] == taskcluster_fake.rootUrl
            secrets = taskcluster.Secrets(taskcluster.optionsFromEnvironment())
            secrets.set("s", {"secret": {}, "expires": taskcluster.stringDate(
                taskcluster.fromNow("1 hour"))})
            seen["url"] = taskcluster_fake.rootUrl

        def test_environment_restored():
            assert os.environ["TASKCLUSTER_ROOT_URL"] == "https://before"
            assert "TASKCLUSTER_ACCESS_TOKEN" not in os.environ

        def test_two(taskcluster_fake):
            assert taskcluster_fake.rootUrl == seen["url"]
            secrets = taskcluster.Secrets(taskcluster.optionsFromEnvironment())
            assert secrets.list()["secrets"] == []
    """, "-p", "no:randomly")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_the_plugin_costs_nothing_to_a_run_that_does_not_use_it():
    code = ("import sys, taskcluster.fake.pytest_plugin; "
            "print(sorted(m for m in sys.modules if m.startswith(('aiohttp', "
            "'taskcluster.fake._', 'jsone'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=environment(PYTHONPATH=os.pathsep.join(p for p in sys.path if p)),
                         timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_the_plugin_is_declared_under_the_pytest11_entry_point():
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "pyproject.toml"), "rb") as fh:
        project = tomllib.load(fh)["project"]
    assert project["entry-points"]["pytest11"] == {
        "taskcluster_fake": "taskcluster.fake.pytest_plugin"}


def test_a_chunked_body_and_expect_100_continue_are_understood(taskcluster_fake):
    tc = taskcluster_fake
    ob = taskcluster.Object({"rootUrl": tc.rootUrl, "credentials": tc.rootCredentials})
    data = b"x" * 100000
    made = ob.createUpload("chunked", {
        "projectId": "p", "uploadId": taskcluster.slugId(),
        "expires": taskcluster.stringDate(taskcluster.fromNow("1 hour")),
        "proposedUploadMethods": {"putUrl": {"contentType": "text/plain",
                                             "contentLength": len(data)}}})
    url = made["uploadMethod"]["putUrl"]["url"]

    def pieces():
        for i in range(0, len(data), 30000):
            yield data[i:i + 30000]
    answer = requests.put(url, data=pieces(), timeout=30,
                          headers={"Content-Type": "text/plain"})   # sent chunked
    assert answer.status_code == 200
    assert tc.storage.get("object/chunked") == (data, "text/plain")
    # with Expect: 100-continue, the body follows the server's "100 Continue"
    with socket.create_connection(("127.0.0.1", port_of(tc.rootUrl)), timeout=30) as s:
        target = url[len(tc.rootUrl):]
        s.sendall(("PUT %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                   "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n" % target).encode())
        assert s.recv(1024).startswith(b"HTTP/1.1 100")
        s.sendall(b"ok")
        assert s.recv(1024).startswith(b"HTTP/1.1 200")
    assert tc.storage.get("object/chunked") == (b"ok", "text/plain")


def test_the_command_explains_itself_and_a_port_in_use():
    helped = run_cli("fake", "--help")
    assert helped.code == 0 and "--port" in helped.out and "--host" in helped.out
    with FakeDeployment() as busy:
        refused = run_cli("fake", "--port", str(port_of(busy.rootUrl)))
    assert refused.code == 1 and refused.out == ""
    assert "cannot listen on 127.0.0.1:%d" % port_of(busy.rootUrl) in refused.err
