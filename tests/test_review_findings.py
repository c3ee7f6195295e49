"""The findings of the review of the new surface (issue 17, section 2), one
section each: every test here failed before its fix.  Command-line runs are
child processes (``cli_run``); servers are real, on 127.0.0.1."""

from __future__ import annotations

import re

import pytest
from cli_run import environment, run
from loopback import LoopbackServer

TASK = "fN1SbArXTPSVFNUvaOlinQ"


# -- 1. --root-url wins over TASKCLUSTER_ROOT_URL --------------------------------

@pytest.fixture
def decoy():
    """The deployment the environment names; nothing may reach it."""
    with LoopbackServer() as s:
        yield s


def test_root_url_option_wins_over_the_environment_for_api_calls(server, decoy):
    env = environment(decoy.url, credentials=True)
    r = run("--root-url", server.url, "api", "queue", "task", TASK, env=env)
    assert r.code == 0, r.err
    assert decoy.requests == []
    assert [q.path for q in server.requests] == ["/api/queue/v1/task/%s" % TASK]


def test_root_url_option_wins_over_the_environment_for_signed_urls(server, decoy):
    env = environment(decoy.url, credentials=True)
    r = run("--root-url", server.url, "signed-url", "queue", "task", TASK, env=env)
    assert r.code == 0, r.err
    assert r.out.startswith(server.url + "/api/queue/v1/task/%s?bewit=" % TASK)


def test_root_url_option_wins_over_the_environment_for_downloads(server, decoy, tmp_path):
    env = environment(decoy.url, credentials=True)
    run("--root-url", server.url, "download", "artifact", TASK, "public/x", "-o",
        str(tmp_path / "x"), env=env)
    assert decoy.requests == []
    assert server.requests and server.requests[0].path.startswith("/api/queue/v1/task/")


def test_options_from_environment_sets_the_environment_over_the_defaults(monkeypatch):
    import taskcluster
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", "https://env.example.com")
    assert taskcluster.optionsFromEnvironment({"rootUrl": "https://given.example.com"})[
        "rootUrl"] == "https://env.example.com"
    doc = taskcluster.optionsFromEnvironment.__doc__
    assert "win" in doc and "environment" in doc and "defaults" in doc
    assert "keys given in ``defaults`` win" not in doc


# -- 2. *ToFile(path) and -o PATH keep what is at PATH -----------------------------

def _queue(services):
    import taskcluster
    return taskcluster.Queue({"rootUrl": services.root_url, "delayFactor": 0.001,
                              "credentials": {"clientId": "c", "accessToken": "secret"}})


def _download_sync(services, target):
    from taskcluster import download
    return download.downloadArtifactToFile(target, taskId=TASK, name="public/a.bin",
                                           queueService=_queue(services))


def _download_async(services, target):
    import asyncio

    import taskcluster.aio
    from taskcluster.aio import download

    async def go():
        async with taskcluster.aio.Queue({
                "rootUrl": services.root_url, "delayFactor": 0.001,
                "credentials": {"clientId": "c", "accessToken": "secret"}}) as queue:
            return await download.downloadArtifactToFile(
                target, taskId=TASK, name="public/a.bin", queueService=queue)
    return asyncio.run(go())


DOWNLOADERS = pytest.mark.parametrize("fetch", [_download_sync, _download_async],
                                      ids=["sync", "async"])


@DOWNLOADERS
def test_a_private_file_stays_private(services, tmp_path, fetch):
    import os
    services.add_s3_artifact(TASK, "public/a.bin", b"secret data")
    target = tmp_path / "private.bin"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    fetch(services, str(target))
    assert target.read_bytes() == b"secret data"
    assert oct(os.stat(target).st_mode & 0o7777) == oct(0o600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["private.bin"]


@DOWNLOADERS
def test_a_symlink_is_written_through_and_stays_a_symlink(services, tmp_path, fetch):
    import os
    services.add_s3_artifact(TASK, "public/a.bin", b"new data")
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    os.chmod(real, 0o640)
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    fetch(services, str(link))
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new data"
    assert oct(os.stat(real).st_mode & 0o7777) == oct(0o640)


@DOWNLOADERS
def test_a_fifo_is_written_through_and_stays_a_fifo(services, tmp_path, fetch):
    import os
    import stat
    import threading
    data = os.urandom(200_000)
    services.add_s3_artifact(TASK, "public/a.bin", data)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        fetch(services, str(fifo))
    finally:
        # Never leave the reader blocked, whatever happened.
        if reader.is_alive() and stat.S_ISFIFO(os.lstat(fifo).st_mode):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(30)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got == [data]


@DOWNLOADERS
def test_a_device_is_written_through_and_stays_a_device(services, tmp_path, fetch):
    import os
    import stat
    if os.geteuid() != 0:
        pytest.skip("making a device node (a private /dev/null) needs root")
    services.add_s3_artifact(TASK, "public/a.bin", b"discarded")
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("this container may not make device nodes (no CAP_MKNOD)")
    fetch(services, str(null))
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_cli_output_keeps_the_file_mode(services, tmp_path):
    import os
    services.add_s3_artifact(TASK, "public/a.bin", b"secret data")
    target = tmp_path / "private.bin"
    target.write_bytes(b"")
    os.chmod(target, 0o600)
    r = run("download", "artifact", TASK, "public/a.bin", "-o", str(target),
            env=environment(services.root_url, credentials=True))
    assert r.code == 0, r.err
    assert oct(os.stat(target).st_mode & 0o7777) == oct(0o600)


# -- 9. *ToFile refuses a directory or a NUL before anything is sent ----------------

@DOWNLOADERS
def test_to_file_aimed_at_a_directory_fails_before_sending(services, tmp_path, fetch):
    from taskcluster.exceptions import TaskclusterInputError
    services.add_s3_artifact(TASK, "public/a.bin", b"data")
    with pytest.raises(TaskclusterInputError, match="downloadArtifactToFile: .*is a directory"):
        fetch(services, str(tmp_path))
    assert services.server.requests == []


@DOWNLOADERS
def test_to_file_refuses_a_nul_in_the_path_before_sending(services, tmp_path, fetch):
    from taskcluster.exceptions import TaskclusterInputError
    with pytest.raises(TaskclusterInputError, match="downloadArtifactToFile: .*NUL"):
        fetch(services, str(tmp_path / "a\0b"))
    assert services.server.requests == []


# -- 5. -o DIR with a name ending in /.. or /. ----------------------------------------

@pytest.mark.parametrize("name", ["public/..", "public/.", "..", "public/../"])
def test_cli_output_directory_refuses_names_that_leave_it(services, tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    services.add_s3_artifact(TASK, name, b"escaped")
    r = run("download", "artifact", TASK, name, "-o", str(out),
            env=environment(services.root_url, credentials=True))
    assert r.code == 2, r.err
    assert "names no file" in r.err and len(r.err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert list(out.iterdir()) == []
    assert services.server.requests == []


# -- 13. SIGTERM and SIGHUP during download -o FILE leave no partial file -------------

@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_signal_during_download_leaves_no_partial_file(services, tmp_path, signame):
    import signal
    import subprocess
    import time

    from cli_run import command
    from hostile import HostileServer, head, trickle

    def slow(conn, request):
        conn.sendall(head(Content_Type="application/octet-stream", Content_Length=400))
        trickle(conn, b"x" * 400, interval=0.1)
        return False

    with HostileServer(slow) as storage:
        services.add_artifact(TASK, "public/big", {"storageType": "s3",
                                                   "url": storage.url + "/big"})
        out = tmp_path / "out"
        out.mkdir()
        proc = subprocess.Popen(
            command("download", "artifact", TASK, "public/big", "-o", str(out / "big")),
            env=environment(services.root_url, credentials=True), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/")
        try:
            for _ in range(600):   # until the download is under way (at most 60 s)
                if storage.requests and list(out.iterdir()):
                    break
                time.sleep(0.1)
            assert [p.name for p in out.iterdir()][0].endswith(".part")
            proc.send_signal(getattr(signal, signame))
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    signum = getattr(signal, signame)
    assert list(out.iterdir()) == []
    assert proc.returncode in (128 + signum, -signum), err
    assert "Traceback" not in err.decode()


# -- 3. task log shows no signed query ------------------------------------------------

SIGNED_QUERY = ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260101"
                "&X-Amz-Signature=5ec12e7515ea1c0ffee&Signature=s1gn&sig=s2gn&token=t0ken")
SIGNED_PARTS = ("X-Amz-Signature", "X-Amz-Credential", "AKIAEXAMPLE", "5ec12e7515ea1c0ffee",
                "Signature=", "s1gn", "sig=", "s2gn", "token=", "t0ken", "bewit")


def test_task_log_shows_no_signed_query_when_storage_cannot_be_reached(server):
    from loopback import Reply, closed_port
    target = "http://127.0.0.1:%d/logs/live.log?%s" % (closed_port(), SIGNED_QUERY)
    server.plan(Reply(303, {"url": target}, headers={"Location": target}))
    r = run("task", "log", TASK, env=environment(server.url, credentials=True))
    assert r.code == 1
    assert len(r.err.splitlines()) == 1, r.err
    for part in SIGNED_PARTS:
        assert part not in r.err, (part, r.err)
    assert "127.0.0.1" in r.err


def _chunked_then_close(conn, request):
    from hostile import head
    conn.sendall(head(Content_Type="text/plain", Transfer_Encoding="chunked")
                 + b"6\r\nline1\n\r\n" + b"20\r\nonly part")
    return False


def _length_then_close(conn, request):
    from hostile import head
    conn.sendall(head(Content_Type="text/plain", Content_Length=100) + b"line1\n")
    return False


@pytest.mark.parametrize("behave", [_chunked_then_close, _length_then_close],
                         ids=["chunked", "content-length"])
def test_task_log_broken_mid_body_is_one_clear_line(server, behave):
    from hostile import HostileServer
    from loopback import Reply
    with HostileServer(behave) as logs:
        target = logs.url + "/live.log?" + SIGNED_QUERY
        server.plan(Reply(303, {"url": target}, headers={"Location": target}))
        r = run("task", "log", TASK, env=environment(server.url, credentials=True))
    assert r.code == 1
    assert r.out == "line1\n"
    assert len(r.err.splitlines()) == 1 and "internal error" not in r.err, r.err
    assert "broke" in r.err or "failed" in r.err
    for part in SIGNED_PARTS:
        assert part not in r.err, (part, r.err)


# -- 6. helper.upload_artifact and utils.putFile: no signature, a timeout -------------

def _no_signature_anywhere(exc):
    import traceback
    shown = "".join(traceback.TracebackException.from_exception(exc).format()) + repr(exc)
    for part in SIGNED_PARTS:
        assert part not in shown, (part, shown)
    # Nor in what it chains to, suppressed or not.
    seen, link = set(), exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        for part in SIGNED_PARTS:
            assert part not in str(link) + repr(link), (part, link)
        link = link.__cause__ or link.__context__


@pytest.fixture
def in_a_task(server, monkeypatch):
    monkeypatch.setenv("TASK_ID", TASK)
    monkeypatch.setenv("RUN_ID", "0")
    monkeypatch.setenv("TASKCLUSTER_PROXY_URL", server.url)
    return server


def _answer_create_artifact(server, put_url):
    import json

    from loopback import Reply

    def answer(req):
        if req.method == "POST" and "/artifacts/" in req.path:
            body = json.loads(req.body)
            return Reply(200, {"storageType": "s3", "contentType": body["contentType"],
                               "expires": body["expires"], "putUrl": put_url})
        return None
    server.respond(answer)


def test_upload_artifact_unreachable_storage_shows_no_signature(in_a_task):
    import datetime as dt

    import requests

    import taskcluster
    from loopback import closed_port
    from taskcluster.helper import upload_artifact
    _answer_create_artifact(in_a_task, "http://127.0.0.1:%d/b/k?%s" % (closed_port(),
                                                                         SIGNED_QUERY))
    queue = taskcluster.Queue({"rootUrl": in_a_task.url})
    with pytest.raises(taskcluster.TaskclusterFailure) as info:
        upload_artifact(queue, "public/r.txt", "x", "text/plain", dt.timedelta(hours=1))
    # The package raised requests' exception: code that catches it still does.
    assert isinstance(info.value, requests.ConnectionError)
    assert "upload_artifact" in str(info.value) and "127.0.0.1" in str(info.value)
    _no_signature_anywhere(info.value)


def test_upload_artifact_storage_that_never_answers_times_out(in_a_task):
    import datetime as dt

    import requests

    import taskcluster
    from hostile import HostileServer
    from taskcluster.helper import upload_artifact

    def silent(conn, request):
        conn.recv(1)   # until the client gives up
        return False

    with HostileServer(silent) as storage:
        _answer_create_artifact(in_a_task, storage.url + "/b/k?" + SIGNED_QUERY)
        queue = taskcluster.Queue({"rootUrl": in_a_task.url, "timeout": 1})
        with pytest.raises(taskcluster.TaskclusterConnectionError) as info:
            upload_artifact(queue, "public/r.txt", "x", "text/plain", dt.timedelta(hours=1))
    assert isinstance(info.value, requests.Timeout)
    assert "timed out" in str(info.value)
    _no_signature_anywhere(info.value)


def test_put_file_unreachable_storage_shows_no_signature(tmp_path):
    import pickle

    import requests

    import taskcluster
    from loopback import closed_port
    from taskcluster import utils
    f = tmp_path / "f"
    f.write_bytes(b"data")
    with pytest.raises(taskcluster.TaskclusterConnectionError) as info:
        utils.makeHttpRequest("put", "http://127.0.0.1:%d/b/k?%s" % (closed_port(),
                                                                     SIGNED_QUERY),
                              b"data", {}, retries=0)
    assert isinstance(info.value, requests.ConnectionError)
    _no_signature_anywhere(info.value)
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is type(info.value) and str(again) == str(info.value)


def test_put_file_storage_that_never_answers_times_out(tmp_path):
    import requests

    import taskcluster
    from hostile import HostileServer
    from taskcluster import utils

    def silent(conn, request):
        conn.recv(1)
        return False

    f = tmp_path / "f"
    f.write_bytes(b"data")
    with HostileServer(silent) as storage:
        with pytest.raises(taskcluster.TaskclusterConnectionError) as info:
            utils.putFile(str(f), storage.url + "/b/k?" + SIGNED_QUERY, "text/plain",
                          timeout=0.5, retries=0)
    assert isinstance(info.value, requests.Timeout)
    _no_signature_anywhere(info.value)


# -- 7. no secret in a traceback formatted with locals, nor in vars(client) -----------

def _temporary_credentials():
    import datetime as dt

    import taskcluster
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return taskcluster.createTemporaryCredentials(
        "issuer", "ISSUERsecretTOKENaaaaaaaaaaaaaaaaaaaaaaaaaaaa", now - dt.timedelta(minutes=5),
        now + dt.timedelta(hours=1), ["queue:*"])


def _secrets_of(creds):
    import json
    found = [creds["accessToken"], 'mac="', "Hawk id="]
    if creds.get("certificate"):
        found.append(json.loads(creds["certificate"])["signature"])
        found.append('ext="')
    return found


def _with_locals(exc) -> str:
    """The traceback as Sentry or ``pytest --showlocals`` show it, with the
    library's frames only (this test's own locals hold the credentials)."""
    import traceback
    shown = traceback.TracebackException.from_exception(exc, capture_locals=True)
    shown.stack = traceback.StackSummary.from_list(
        [f for f in shown.stack if not f.filename.endswith("test_review_findings.py")])
    assert shown.stack, "no frame of the library in the traceback"
    return "".join(shown.format())


def _failing_answers(server):
    from loopback import Reply
    server.plan(Reply(500, {"code": "InternalServerError", "message": "boom"}))


@pytest.mark.parametrize("temporary", [False, True], ids=["permanent", "temporary"])
@pytest.mark.parametrize("fault", ["500", "refused"])
def test_a_traceback_with_locals_shows_no_secret(server, temporary, fault):
    import taskcluster
    from loopback import closed_port
    creds = _temporary_credentials() if temporary else {
        "clientId": "c", "accessToken": "PERMANENTsecretTOKENbbbbbbbbbbbbbbbbbbbbbb"}
    root = server.url if fault == "500" else "http://127.0.0.1:%d" % closed_port()
    _failing_answers(server)
    q = taskcluster.Queue({"rootUrl": root, "credentials": creds, "maxRetries": 0})
    with pytest.raises(taskcluster.TaskclusterFailure) as info:
        q.task(TASK)
    shown = _with_locals(info.value)
    assert "headers" in shown   # the send path's locals are there, redacted
    for secret in _secrets_of(creds):
        assert secret not in shown, secret


@pytest.mark.parametrize("temporary", [False, True], ids=["permanent", "temporary"])
def test_a_traceback_with_locals_shows_no_secret_async(server, temporary):
    import asyncio

    import taskcluster.aio
    creds = _temporary_credentials() if temporary else {
        "clientId": "c", "accessToken": "PERMANENTsecretTOKENbbbbbbbbbbbbbbbbbbbbbb"}
    _failing_answers(server)

    async def go():
        async with taskcluster.aio.Queue({"rootUrl": server.url, "credentials": creds,
                                          "maxRetries": 0}) as q:
            await q.task(TASK)
    with pytest.raises(taskcluster.TaskclusterFailure) as info:
        asyncio.run(go())
    shown = _with_locals(info.value)
    for secret in _secrets_of(creds):
        assert secret not in shown, secret


@pytest.mark.parametrize("module", ["taskcluster", "taskcluster.aio"])
def test_vars_of_a_client_shows_no_secret(server, module):
    import importlib
    creds = _temporary_credentials()
    cls = importlib.import_module(module).Queue
    q = cls({"rootUrl": server.url, "credentials": creds})
    q.buildSignedUrl("task", TASK)
    shown = repr(vars(q)) + str(vars(q))
    for secret in _secrets_of(creds):
        assert secret not in shown, secret


# -- 8. no presigned URL in urllib3's DEBUG records of our transfers ------------------

_SIGNED_VALUE = re.compile(r"(?i)(?<![\w-])(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token"
                           r"|Signature|sig|bewit|token)=([^&\s'\"]*)")
_PLACEHOLDERS = ("", "REDACTED", "<hidden>", "...")


def _records_show_no_signature(caplog):
    # Not werkzeug nor botocore: the fake storage (moto) and the fake
    # services' presigning, logging in-process what the test asked of them.
    shown = "\n".join(r.getMessage() for r in caplog.records
                      if r.name.split(".")[0] in ("taskcluster", "urllib3", "requests"))
    assert "urllib3" in {r.name.split(".")[0] for r in caplog.records}, "no urllib3 record"
    # A signed parameter may be named (a trace may show it redacted), never
    # with its value.
    leaked = [m.group(0) for m in _SIGNED_VALUE.finditer(shown)
              if m.group(2) not in _PLACEHOLDERS]
    assert not leaked, (leaked, shown)


def test_sync_transfers_log_no_presigned_url_at_debug(services, caplog):
    import logging

    import taskcluster
    from taskcluster import download, upload
    caplog.set_level(logging.DEBUG)
    creds = {"clientId": "c", "accessToken": "secret"}
    objects = taskcluster.Object({"rootUrl": services.root_url, "credentials": creds})
    services.add_s3_artifact(TASK, "public/a.bin", b"artifact")
    assert bytes(download.downloadArtifactToBuf(
        taskId=TASK, name="public/a.bin", queueService=_queue(services))[0]) == b"artifact"
    upload.uploadFromBuf(projectId="p", name="big", contentType="text/plain",
                         expires=taskcluster.fromNow("1 day"), data=b"x" * 20000,
                         contentLength=20000,
                         objectService=objects)
    services.add_object("o", b"object data")
    assert bytes(download.downloadToBuf(name="o", objectService=objects)[0]) == b"object data"
    _records_show_no_signature(caplog)


def test_put_file_logs_no_signed_query_at_debug(server, tmp_path, caplog):
    import logging

    from taskcluster import utils
    caplog.set_level(logging.DEBUG)
    f = tmp_path / "f"
    f.write_bytes(b"data")
    utils.putFile(str(f), server.url + "/b/k?" + SIGNED_QUERY, "text/plain")
    _records_show_no_signature(caplog)


def test_other_code_keeps_urllib3_records_as_they_are(server, caplog):
    import logging

    import requests
    caplog.set_level(logging.DEBUG)
    requests.get(server.url + "/mine?X-Amz-Signature=theirs", timeout=30)
    assert any("X-Amz-Signature=theirs" in r.getMessage() for r in caplog.records)


# -- 9. bad input: one clear line, never "internal error" nor a bare exception --------

def _one_clear_line(r, code=2):
    assert r.code == code, r.err
    assert len(r.err.splitlines()) == 1, r.err
    assert "internal error" not in r.err and "Traceback" not in r.err, r.err


def test_a_deeply_nested_payload_is_one_clear_line(server, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000)
    r = run("api", "queue", "createTask", TASK, "@" + str(deep),
            env=environment(server.url, credentials=True))
    _one_clear_line(r)
    assert "nested too deeply" in r.err
    r = run("scope-match", "a", "--any-of", "@" + str(deep))
    _one_clear_line(r)
    assert "nested too deeply" in r.err
    assert server.requests == []


def test_a_certificate_with_nan_is_refused_clearly(server):
    import taskcluster
    creds = {"clientId": "c", "accessToken": "t", "certificate": '{"expiry": NaN}'}
    with pytest.raises(taskcluster.TaskclusterInputError, match="certificate"):
        taskcluster.Queue({"rootUrl": server.url, "credentials": creds})
    with pytest.raises(taskcluster.TaskclusterInputError, match="certificate"):
        taskcluster.Queue({"rootUrl": server.url, "credentials": dict(
            creds, certificate={"expiry": float("nan")})})
    r = run("api", "queue", "task", TASK, env=environment(
        server.url, credentials=True, TASKCLUSTER_CERTIFICATE='{"expiry": NaN}'))
    _one_clear_line(r)
    assert "certificate" in r.err
    assert server.requests == []


def test_offsets_past_the_year_9999_are_one_clear_line(services, tmp_path):
    import taskcluster
    with pytest.raises(taskcluster.TaskclusterInputError, match="fromNow: .*9999") as info:
        taskcluster.fromNow("99999999 years")
    assert isinstance(info.value, OverflowError)   # what the package raised
    r = run("from-now", "99999999 years")
    _one_clear_line(r)
    assert "9999" in r.err
    f = tmp_path / "f"
    f.write_bytes(b"x")
    r = run("upload", "object", "n", str(f), "--project-id", "p", "--expires",
            "99999999 years", env=environment(services.root_url, credentials=True))
    _one_clear_line(r)
    assert "--expires" in r.err
    assert services.server.requests == []


def test_upload_from_a_pipe_and_from_proc(services):
    import subprocess

    from cli_run import command
    env = environment(services.root_url, credentials=True)
    data = b"from a pipe\n" * 1000
    proc = subprocess.run(command("upload", "object", "piped", "/dev/stdin", "--project-id",
                                  "p"), env=env, input=data, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert services.s3.get("objects/piped") == data
    r = run("upload", "object", "proc", "/proc/self/status", "--project-id", "p", env=env)
    assert r.code == 0, r.err
    stored = services.s3.get("objects/proc")
    assert stored.startswith(b"Name:") and len(stored) > 100


def test_an_empty_route_argument_is_refused_before_sending(server):
    import asyncio

    import taskcluster
    import taskcluster.aio
    q = taskcluster.Queue({"rootUrl": server.url})
    for call in (lambda: q.task(""), lambda: q.buildUrl("task", ""),
                 lambda: q.getArtifact(TASK, 0, "")):
        with pytest.raises(taskcluster.TaskclusterInputError, match="is empty") as info:
            call()
        assert info.value.argument in ("taskId", "name")

    async def go():
        async with taskcluster.aio.Queue({"rootUrl": server.url}) as aq:
            await aq.task("")
    with pytest.raises(taskcluster.TaskclusterInputError, match="'taskId' is empty"):
        asyncio.run(go())
    r = run("api", "queue", "task", "", env=environment(server.url))
    _one_clear_line(r)
    assert "empty" in r.err
    assert server.requests == []


def test_the_index_optional_namespace_may_be_empty(server):
    """The index declares ``/namespaces/:namespace?`` and ``/tasks/:namespace?``:
    an empty namespace lists the top level, so it is sent, not refused."""
    import taskcluster
    index = taskcluster.Index({"rootUrl": server.url})
    assert index.buildUrl("listNamespaces", "") == server.url + "/api/index/v1/namespaces/"
    index.listTasks("")
    assert [r.path for r in server.requests] == ["/api/index/v1/tasks/"]
    with pytest.raises(taskcluster.TaskclusterInputError, match="'indexPath' is empty"):
        index.findTask("")


# -- 10. references refresh: a size limit and a whole deadline ------------------------

def _endless_manifest(conn, request):
    from hostile import head, send_forever
    # No length: it would go on until the client gives up.
    send_forever(conn, head(Content_Type="application/json", Connection="close")
                 + b'{"references": ["', iter(lambda: b"x" * 65536, None))
    return False


def test_references_refresh_refuses_a_huge_manifest(tmp_path):
    from hostile import HostileServer

    from taskcluster import refresh
    with HostileServer(_endless_manifest) as server:
        with pytest.raises(ValueError, match="larger than %d bytes" % (2**20)):
            refresh.fetch_references(server.url, refresh.json_getter(limit=2**20))
        r = run("references", "refresh", "--root-url", server.url, "--dest",
                str(tmp_path / "refs"))
    _one_clear_line(r, 1)
    assert "larger than %d bytes" % refresh.MAX_DOCUMENT_BYTES in r.err
    assert not (tmp_path / "refs").exists()


def test_references_refresh_cuts_a_trickled_manifest_at_its_deadline(tmp_path):
    from hostile import HostileServer, head, trickle

    def slow(conn, request):
        conn.sendall(head(Content_Type="application/json", Content_Length=200))
        trickle(conn, b'{"references": [' + b" " * 182 + b"]}", interval=0.25)
        return False

    with HostileServer(slow) as server:
        r = run("references", "refresh", "--root-url", server.url, "--dest",
                str(tmp_path / "refs"), "--timeout", "1")
    _one_clear_line(r, 1)
    assert "timed out" in r.err
    assert not (tmp_path / "refs").exists()


# -- 11. an async client dropped, or used from a loop closed by hand, says nothing ----

def _no_unclosed_complaint(caplog, caught):
    import gc
    gc.collect()
    said = [r.getMessage() for r in caplog.records] + [str(w.message) for w in caught]
    assert not [s for s in said if "nclosed" in s or "never awaited" in s
                or "destroyed but it is pending" in s or "coroutine" in s], said


def _aio_queue(server):
    import taskcluster.aio
    return taskcluster.aio.Queue({"rootUrl": server.url})


def test_an_async_client_dropped_while_its_loop_runs_says_nothing(server, caplog):
    import asyncio
    import gc
    import warnings
    caplog.set_level(logging_debug())

    async def go():
        q = _aio_queue(server)
        await q.ping()
        del q
        gc.collect()
        for _ in range(5):
            await asyncio.sleep(0)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(go())
        _no_unclosed_complaint(caplog, caught)
    assert server.requests


def test_an_async_client_used_from_a_loop_closed_by_hand_says_nothing(server, caplog):
    import asyncio
    import warnings

    from loopback import Reply
    caplog.set_level(logging_debug())
    # The server closes the connection after its answer: a pooled connection
    # left open when the caller closes the loop can no longer be closed
    # through asyncio (asyncio itself then warns about its socket, a
    # ResourceWarning shown only with warnings enabled; see the report).
    server.plan(Reply(200, {"alive": True}, headers={"Connection": "close"}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loop = asyncio.new_event_loop()
        q = _aio_queue(server)
        loop.run_until_complete(q.ping())
        loop.close()
        del q, loop
        _no_unclosed_complaint(caplog, caught)
    assert server.requests


def logging_debug():
    import logging
    return logging.DEBUG


# -- 12. bytes after Content-Length: sync and async agree, no content quoted ----------

OBJECT = b"0123456789" * 10
EXTRA = b"PRIVATE-OBJECT-BYTES-" * 20


def _overlong(conn, request):
    from hostile import head
    conn.sendall(head(Content_Type="application/octet-stream", Content_Length=len(OBJECT))
                 + OBJECT + EXTRA)
    return False


def _artifact_buf_sync(services):
    from taskcluster import download
    return download.downloadArtifactToBuf(taskId=TASK, name="public/x", maxRetries=0,
                                          queueService=_queue(services))


def _artifact_buf_async(services):
    import asyncio

    import taskcluster.aio
    from taskcluster.aio import download

    async def go():
        async with taskcluster.aio.Queue({"rootUrl": services.root_url,
                                          "delayFactor": 0.001}) as queue:
            return await download.downloadArtifactToBuf(taskId=TASK, name="public/x",
                                                        maxRetries=0, queueService=queue)
    return asyncio.run(go())


@pytest.mark.parametrize("fetch", [_artifact_buf_sync, _artifact_buf_async],
                         ids=["sync", "async"])
def test_bytes_after_the_content_length_are_not_taken_nor_quoted(services, fetch):
    from hostile import HostileServer
    with HostileServer(_overlong) as storage:
        services.add_artifact(TASK, "public/x", {"storageType": "s3",
                                                 "url": storage.url + "/x"})
        try:
            buf, content_type = fetch(services)
        except Exception as e:  # noqa: BLE001 - the message is what is checked
            assert "PRIVATE" not in str(e) and "0123456789" not in str(e), str(e)
            raise
    assert bytes(buf) == OBJECT
    assert content_type == "application/octet-stream"


def test_a_sighup_ignored_by_the_caller_stays_ignored(services, tmp_path):
    """Under ``nohup`` (SIGHUP ignored) a hang-up does not stop the download."""
    import signal
    import subprocess
    import time

    from cli_run import command
    from hostile import HostileServer, head, trickle

    def slow(conn, request):
        conn.sendall(head(Content_Type="application/octet-stream", Content_Length=400))
        trickle(conn, b"x" * 400, interval=0.1)
        return False

    def ignore_hangups():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    with HostileServer(slow) as storage:
        services.add_artifact(TASK, "public/big", {"storageType": "s3",
                                                   "url": storage.url + "/big"})
        out = tmp_path / "out"
        out.mkdir()
        proc = subprocess.Popen(
            command("download", "artifact", TASK, "public/big", "-o", str(out / "big")),
            env=environment(services.root_url, credentials=True), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/", preexec_fn=ignore_hangups)
        try:
            for _ in range(600):
                if storage.requests and list(out.iterdir()):
                    break
                time.sleep(0.1)
            proc.send_signal(signal.SIGHUP)
            # Still downloading (a process the signal ended would be gone).
            with pytest.raises(subprocess.TimeoutExpired):
                proc.wait(timeout=1)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert list(out.iterdir()) == []


def test_a_malformed_storage_url_keeps_requests_class_without_its_query():
    import requests

    from taskcluster import utils
    with pytest.raises(requests.exceptions.MissingSchema) as info:
        utils.makeSingleHttpRequest("put", "storage.example/b/k?" + SIGNED_QUERY, b"x", {})
    _no_signature_anywhere(info.value)
