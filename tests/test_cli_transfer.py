"""``download artifact|object|index`` and ``upload object``
(taskcluster._cli.transfer) as child processes against the object, queue
and index services on loopback, data on moto: files, default names,
stdout, the index's redirect, uploads, a progress bar on a terminal and
none in a pipe, and failures as one line with no secret."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import select
import subprocess

import pytest
from cli_run import ACCESS_TOKEN, CLIENT_ID, command, environment, run
from fake_services import FakeServices, hashes_of
from loopback import Reply
from s3server import StorageProxy

TASK = "fN1SbArXTPSVFNUvaOlinQ"
SECRETS = (ACCESS_TOKEN, "bewit", "X-Amz-Signature", "Signature=", "X-Amz-Credential")


@pytest.fixture
def env(services):
    return environment(services.root_url, credentials=True)


def run_bytes(*args, env, cwd="/"):
    """Run on pipes, stdout kept as bytes (artifacts are binary)."""
    proc = subprocess.run(command(*args), env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, cwd=cwd, timeout=60)
    err = proc.stderr.decode()
    assert ACCESS_TOKEN.encode() not in proc.stdout and ACCESS_TOKEN not in err
    return proc.returncode, proc.stdout, err


def run_with_stderr_on_terminal(*args, env, cwd):
    """Run with stderr on a pseudo-terminal (where a progress bar goes),
    stdout on a pipe; returns (exit status, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(command(*args), env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave, cwd=cwd)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            raise AssertionError("no output from %r within 60 s" % (args,))
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    out = proc.stdout.read().decode()
    proc.stdout.close()
    code = proc.wait(timeout=60)
    terminal = b"".join(chunks).decode()
    assert ACCESS_TOKEN not in out + terminal
    return code, out, terminal


def assert_one_line_no_secret(err):
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for secret in SECRETS:
        assert secret not in err, secret


def files(directory):
    return sorted(p.name for p in directory.iterdir())


# -- download artifact ------------------------------------------------------------

def test_artifact_to_a_file(services, env, tmp_path):
    data = os.urandom(300_000)
    services.add_s3_artifact(TASK, "public/build/app.bin", data, "application/x-app")
    target = tmp_path / "out.bin"
    r = run("download", "artifact", TASK, "public/build/app.bin", "-o", str(target), env=env)
    assert (r.code, r.out, r.err) == (0, "", "wrote %s\n" % target)
    assert target.read_bytes() == data and files(tmp_path) == ["out.bin"]
    (call,) = [q for q in services.server.requests if q.path.startswith("/api/queue/")]
    assert call.path == "/api/queue/v1/task/%s/artifact-content/public%%2Fbuild%%2Fapp.bin" % TASK
    assert 'id="%s"' % CLIENT_ID in call.headers["authorization"]


def test_artifact_to_the_default_file_name(services, env, tmp_path):
    services.add_s3_artifact(TASK, "public/logs/live.log", b"log line\n")
    r = run("download", "artifact", TASK, "public/logs/live.log", env=env, cwd=str(tmp_path))
    assert (r.code, r.err) == (0, "wrote live.log\n")
    assert (tmp_path / "live.log").read_bytes() == b"log line\n"
    # Given a directory, the name's last part goes in it.
    (tmp_path / "d").mkdir()
    r = run("download", "artifact", TASK, "public/logs/live.log", "-o", "d", env=env,
            cwd=str(tmp_path))
    assert r.code == 0, r.err
    assert (tmp_path / "d" / "live.log").read_bytes() == b"log line\n"


def test_artifact_to_stdout(services, env):
    data = os.urandom(2 * 1024 * 1024 + 3)
    services.add_s3_artifact(TASK, "public/a.bin", data)
    code, out, err = run_bytes("download", "artifact", TASK, "public/a.bin", "-o", "-", env=env)
    assert (code, err) == (0, "") and out == data


def test_artifact_of_a_given_run(services, env):
    services.add_s3_artifact(TASK, "public/r.txt", b"run 0", runId=0)
    services.add_s3_artifact(TASK, "public/r.txt", b"run 1", runId=1)
    assert run_bytes("download", "artifact", TASK, "public/r.txt", "-o", "-",
                     env=env)[1] == b"run 1"
    assert run_bytes("download", "artifact", TASK, "public/r.txt", "--run", "0", "-o", "-",
                     env=env)[1] == b"run 0"


def test_object_artifact_is_verified(services, env, tmp_path):
    services.add_object("task-object", b"object artifact", "text/plain")
    services.add_artifact(TASK, "public/o.txt", {
        "storageType": "object", "name": "task-object",
        "credentials": {"clientId": "from-queue", "accessToken": "tmp-token"}})
    code, out, err = run_bytes("download", "artifact", TASK, "public/o.txt", "-o", "-", env=env)
    assert (code, out, err) == (0, b"object artifact", "")
    services.add_object("task-object", b"object artifact", hashes=hashes_of(b"other"))
    r = run("download", "artifact", TASK, "public/o.txt", env=env, cwd=str(tmp_path))
    assert r.code == 1 and "hash" in r.err
    assert_one_line_no_secret(r.err)
    assert "tmp-token" not in r.err and files(tmp_path) == []


# -- download index / object ----------------------------------------------------------

def test_download_index_follows_the_redirect(services, env):
    services.add_s3_artifact(TASK, "public/build/target.zip", b"zip bytes")
    services.index_task("project.app.latest", TASK)
    code, out, err = run_bytes("download", "index", "project.app.latest",
                               "public/build/target.zip", "-o", "-", env=env)
    assert (code, out, err) == (0, b"zip bytes", "")
    paths = [q.path for q in services.server.requests]
    assert paths == [
        "/api/index/v1/task/project.app.latest/artifacts/public%2Fbuild%2Ftarget.zip",
        "/api/queue/v1/task/%s/artifact-content/public%%2Fbuild%%2Ftarget.zip" % TASK]


def test_download_index_of_an_unknown_path(services, env, tmp_path):
    r = run("download", "index", "no.such.path", "public/x", env=env, cwd=str(tmp_path))
    assert r.code == 1 and "404" in r.err and "no.such.path" in r.err
    assert_one_line_no_secret(r.err)
    assert files(tmp_path) == []


@pytest.mark.parametrize("method", ["getUrl", "simple"])
def test_download_object(services, env, tmp_path, method):
    services.download_method = method
    data = os.urandom(1_000_000)
    services.add_object("builds/obj.tar", data, "application/x-tar")
    r = run("download", "object", "builds/obj.tar", env=env, cwd=str(tmp_path))
    assert (r.code, r.err) == (0, "wrote obj.tar\n")
    assert (tmp_path / "obj.tar").read_bytes() == data
    code, out, _ = run_bytes("download", "object", "builds/obj.tar", "-o", "-", env=env)
    assert (code, out) == (0, data)


def test_download_object_with_a_wrong_hash_leaves_nothing(services, env, tmp_path):
    services.add_object("bad", b"data", hashes=hashes_of(b"other"))
    (tmp_path / "bad").write_bytes(b"kept")
    r = run("download", "object", "bad", env=env, cwd=str(tmp_path))
    assert r.code == 1 and "ObjectHashVerificationError" not in r.err and "hash" in r.err
    assert_one_line_no_secret(r.err)
    assert files(tmp_path) == ["bad"] and (tmp_path / "bad").read_bytes() == b"kept"


# -- upload object ----------------------------------------------------------------------

@pytest.mark.parametrize("size", [100, 200_000])
def test_upload_object_guesses_the_content_type_and_prints_the_upload_id(
        services, s3, env, tmp_path, size):
    data = json.dumps({"x": "y" * size}).encode()
    path = tmp_path / "report.json"
    path.write_bytes(data)
    r = run("upload", "object", "reports/r.json", str(path), "--project-id", "proj", env=env)
    assert (r.code, r.err) == (0, ""), r.err
    printed = json.loads(r.out)
    sent = services.uploads["reports/r.json"]
    assert printed == {"name": "reports/r.json", "uploadId": sent["uploadId"]}
    assert sent["projectId"] == "proj"
    assert sent["proposedUploadMethods"]["putUrl"] == {"contentType": "application/json",
                                                       "contentLength": len(data)}
    assert services.finished["reports/r.json"]["hashes"] == hashes_of(data)
    assert s3.get("objects/reports/r.json") == data


def test_upload_object_with_a_content_type_and_expiry(services, env, tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(b"blob")
    r = run("upload", "object", "b", str(path), "--project-id", "p", "--content-type",
            "application/x-blob", "--expires", "2 days", env=env)
    assert r.code == 0, r.err
    sent = services.uploads["b"]
    assert sent["proposedUploadMethods"]["putUrl"]["contentType"] == "application/x-blob"
    import datetime
    expires = datetime.datetime.fromisoformat(sent["expires"].replace("Z", "+00:00"))
    left = expires - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(days=1, hours=23) < left <= datetime.timedelta(days=2)


@pytest.mark.parametrize("args,message", [
    (("upload", "object", "n", "/no/such/file", "--project-id", "p"), "does not exist"),
    (("upload", "object", "n", "/", "--project-id", "p"), "is a directory"),
    (("upload", "object", "n", "/etc/hostname"), "--project-id"),
    (("upload", "object", "n", "/etc/hostname", "--project-id", "p", "--expires", "0"),
     "positive duration"),
    (("upload", "object", "n", "/etc/hostname", "--project-id", "p", "--expires", "soon"),
     "not a duration"),
    (("download", "artifact", TASK, "public/x", "-o", "/no/such/dir/x"), "cannot write beside"),
])
def test_usage_errors_are_one_line_exit_2_and_send_nothing(services, env, args, message):
    r = run(*args, env=env)
    assert r.code == 2 and message in r.err, r.err
    assert_one_line_no_secret(r.err)
    assert services.server.requests == []


# -- progress --------------------------------------------------------------------------

def test_a_progress_bar_on_a_terminal(services, env, tmp_path):
    data = os.urandom(3 * 1024 * 1024)
    services.add_s3_artifact(TASK, "public/big.bin", data)
    code, out, terminal = run_with_stderr_on_terminal(
        "download", "artifact", TASK, "public/big.bin", env=env, cwd=str(tmp_path))
    assert code == 0, terminal
    assert "public/big.bin" in terminal and "100%" in terminal
    assert terminal.rstrip().endswith("wrote big.bin")
    assert (tmp_path / "big.bin").read_bytes() == data
    (tmp_path / "up.bin").write_bytes(data)
    code, out, terminal = run_with_stderr_on_terminal(
        "upload", "object", "up", "up.bin", "--project-id", "p", env=env, cwd=str(tmp_path))
    assert code == 0, terminal
    assert "100%" in terminal and json.loads(out)["name"] == "up"


def test_no_progress_bar_in_a_pipe(services, env, tmp_path):
    services.add_s3_artifact(TASK, "public/big.bin", os.urandom(3 * 1024 * 1024))
    r = run("download", "artifact", TASK, "public/big.bin", env=env, cwd=str(tmp_path))
    assert (r.code, r.err) == (0, "wrote big.bin\n")
    (tmp_path / "up.bin").write_bytes(b"u" * 100_000)
    r = run("upload", "object", "up", "up.bin", "--project-id", "p", env=env,
            cwd=str(tmp_path))
    assert (r.code, r.err) == (0, "")


# -- failures --------------------------------------------------------------------------

def test_a_missing_artifact_is_one_line_exit_1_and_leaves_no_file(services, env, tmp_path):
    r = run("download", "artifact", TASK, "public/none.txt", env=env, cwd=str(tmp_path))
    assert r.code == 1 and r.out == ""
    assert "404" in r.err and "public%2Fnone.txt" in r.err
    assert_one_line_no_secret(r.err)
    assert files(tmp_path) == []
    code, out, err = run_bytes("download", "artifact", TASK, "public/none.txt", "-o", "-",
                               env=env)
    assert (code, out) == (1, b"")
    assert_one_line_no_secret(err)


def test_an_error_artifact_names_its_reason(services, env, tmp_path):
    services.add_artifact(TASK, "public/missing", {
        "storageType": "error", "reason": "file-missing-on-worker", "message": "gone"})
    r = run("download", "artifact", TASK, "public/missing", env=env, cwd=str(tmp_path))
    assert r.code == 1 and "file-missing-on-worker" in r.err
    assert_one_line_no_secret(r.err)
    assert files(tmp_path) == []


@pytest.fixture
def proxied(server, s3):
    with StorageProxy(s3) as proxy:
        yield FakeServices(server, s3, storage=proxy.url), proxy


def test_a_storage_refusal_shows_no_signature(proxied, tmp_path):
    services, proxy = proxied
    env = environment(services.root_url, credentials=True)
    services.add_s3_artifact(TASK, "public/a", b"data")
    proxy.plan(Reply(403, "<Error><Code>AccessDenied</Code><Message>Request has expired"
                          "</Message></Error>", {"Content-Type": "application/xml"}))
    r = run("download", "artifact", TASK, "public/a", env=env, cwd=str(tmp_path))
    assert r.code == 1 and "403" in r.err and "/tc-objects/" in r.err
    assert_one_line_no_secret(r.err)
    assert len(proxy.server.requests) == 1 and files(tmp_path) == []


def test_storage_failures_are_retried_as_max_retries_says(proxied, tmp_path):
    services, proxy = proxied
    env = environment(services.root_url, credentials=True)
    data = os.urandom(10_000)
    services.add_s3_artifact(TASK, "public/a", data)
    proxy.plan(Reply(503), Reply(503))
    code, out, err = run_bytes("download", "artifact", TASK, "public/a", "-o", "-", env=env)
    assert (code, out, err) == (0, data, "")
    proxy.plan(Reply(503), Reply(503))
    r = run("--max-retries", "1", "download", "artifact", TASK, "public/a", env=env,
            cwd=str(tmp_path))
    assert r.code == 1 and "503" in r.err
    assert_one_line_no_secret(r.err)
    assert files(tmp_path) == []


def test_the_stored_hashes_are_those_of_the_file(services, env, tmp_path):
    """What upload object sends is checked end to end by download object."""
    data = os.urandom(500_000)
    (tmp_path / "in.bin").write_bytes(data)
    assert run("upload", "object", "rt", "in.bin", "--project-id", "p", env=env,
               cwd=str(tmp_path)).code == 0
    code, out, _ = run_bytes("download", "object", "rt", "-o", "-", env=env)
    assert code == 0 and hashlib.sha512(out).hexdigest() == hashlib.sha512(data).hexdigest()
