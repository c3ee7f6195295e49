"""taskcluster.upload against the object service on loopback, data on moto."""

import asyncio
import io
import os

import pytest

import taskcluster
from fake_services import FakeServices, hashes_of
from loopback import Reply, Reset, ResetDuringBody, closed_port
from s3server import StorageProxy
from taskcluster import upload
from taskcluster.reader_writer import BufferReader
from taskcluster.exceptions import (TaskclusterConnectionError, TaskclusterInputError,
                                    TaskclusterRestFailure)

EXPIRES = "2030-01-01T00:00:00.000Z"


def object_client(services, **options):
    return taskcluster.Object(dict({"rootUrl": services.root_url, "delayFactor": 0.001,
                                    "credentials": {"clientId": "c", "accessToken": "secret"}},
                                   **options))


def put_buf(services, name, data, **kw):
    kw.setdefault("objectService", object_client(services))
    return upload.uploadFromBuf(projectId="proj", name=name, contentType="application/x-test",
                                contentLength=len(data), expires=EXPIRES, data=data, **kw)


@pytest.fixture
def proxy(s3):
    with StorageProxy(s3) as p:
        yield p


@pytest.fixture
def faulty(server, s3, proxy):
    """Services whose presigned URLs go through the fault-planning proxy."""
    return FakeServices(server, s3, storage=proxy.url)


@pytest.mark.parametrize("size,method", [(0, "dataInline"), (100, "dataInline"),
                                         (8192, "dataInline"), (8193, "putUrl"),
                                         (3 * 1024 * 1024 + 5, "putUrl")])
def test_upload_negotiates_and_sends_the_hashes(services, s3, size, method):
    data = os.urandom(size)
    assert put_buf(services, "o/%d" % size, data) is None
    sent = services.uploads["o/%d" % size]
    assert ("dataInline" in sent["proposedUploadMethods"]) == (method == "dataInline")
    assert s3.get("objects/o/%d" % size) == data
    assert services.finished["o/%d" % size]["hashes"] == hashes_of(data)
    assert services.finished["o/%d" % size]["uploadId"] == sent["uploadId"]


def test_small_object_goes_by_put_url_when_the_service_refuses_inline(services, s3):
    services.accept = ("putUrl",)
    data = b"small"
    put_buf(services, "refused", data)
    assert s3.get("objects/refused") == data
    assert services.finished["refused"]["hashes"] == hashes_of(data)


def test_upload_from_file_with_progress(services, s3, tmp_path):
    data = os.urandom(2 * 1024 * 1024 + 1)
    path = tmp_path / "in.bin"
    path.write_bytes(data)
    seen = []
    with open(path, "rb") as f:
        f.read(10)  # each attempt starts at offset 0 anyway
        upload.uploadFromFile(projectId="proj", name="f", contentType="a/b",
                              contentLength=len(data), expires=EXPIRES, file=f,
                              objectService=object_client(services), uploadId="x" * 22,
                              progress=lambda done, total: seen.append((done, total)))
    assert s3.get("objects/f") == data
    assert services.uploads["f"]["uploadId"] == "x" * 22
    assert seen[-1] == (len(data), len(data))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize("fault", [Reply(503), Reply(500), Reset()], ids=repr)
def test_put_faults_are_retried_from_a_fresh_reader(faulty, proxy, s3, fault):
    data = os.urandom(100_000)
    made = []

    def readerFactory():
        made.append(1)
        return BufferReader(data)

    proxy.plan(fault, fault)
    upload.upload(projectId="proj", name="r", contentType="a/b", contentLength=len(data),
                  expires=EXPIRES, readerFactory=readerFactory, objectService=object_client(faulty))
    assert len(made) == 3
    assert [r.method for r in proxy.server.requests] == ["PUT"] * 3
    assert s3.get("objects/r") == data
    assert faulty.finished["r"]["hashes"] == hashes_of(data)


def test_reset_in_the_middle_of_the_body_is_retried(faulty, proxy, s3):
    data = os.urandom(4 * 1024 * 1024)
    proxy.plan(ResetDuringBody(after=1024 * 1024))
    put_buf(faulty, "mid", data)
    assert [r.method for r in proxy.server.requests] == ["PUT", "PUT"]
    assert s3.get("objects/mid") == data
    assert faulty.finished["mid"]["hashes"] == hashes_of(data)


def test_put_gives_up_after_max_retries_and_never_finishes(faulty, proxy):
    proxy.plan(*[Reply(503)] * 3)
    with pytest.raises(TaskclusterRestFailure) as info:
        put_buf(faulty, "down", b"x" * 9000, maxRetries=2)
    assert info.value.status_code == 503
    assert len(proxy.server.requests) == 3
    assert "down" not in faulty.finished
    assert "X-Amz-Signature" not in str(info.value)


def test_expired_put_url_is_not_retried(faulty, proxy):
    proxy.plan(Reply(403, "<Error><Code>AccessDenied</Code><Message>Request has expired"
                          "</Message></Error>", {"Content-Type": "application/xml"}))
    with pytest.raises(TaskclusterRestFailure, match="expired") as info:
        put_buf(faulty, "late", b"x" * 9000)
    assert info.value.status_code == 403 and "Request has expired" in info.value.body
    assert len(proxy.server.requests) == 1
    assert "late" not in faulty.finished


def test_connection_failures_end_in_a_connection_error(faulty, proxy):
    proxy.plan(*[Reset()] * 2)
    with pytest.raises(TaskclusterConnectionError) as info:
        put_buf(faulty, "reset", b"x" * 9000, maxRetries=1)
    assert "reset" not in faulty.finished
    assert "X-Amz" not in str(info.value)


def test_storage_refusing_connections(server, s3):
    services = FakeServices(server, s3, storage="http://127.0.0.1:%d" % closed_port())
    with pytest.raises(TaskclusterConnectionError, match="PUT http://127.0.0.1") as info:
        put_buf(services, "refused", b"x" * 9000, maxRetries=1)
    assert "X-Amz" not in str(info.value) and "refused" not in services.finished


@pytest.mark.parametrize("given", [99, 101])
def test_reader_giving_the_wrong_length_is_refused(services, given):
    class Reader:
        def __init__(self):
            self.left = given

        def read(self, n):
            n = min(n, self.left)
            self.left -= n
            return b"y" * n

    with pytest.raises(TaskclusterInputError, match="contentLength is 100") as info:
        upload.upload(projectId="proj", name="bad", contentType="a/b", contentLength=100,
                      expires=EXPIRES, readerFactory=Reader, objectService=object_client(services))
    assert info.value.argument == "contentLength"
    assert "bad" not in services.uploads and "bad" not in services.finished


def test_large_reader_giving_too_few_bytes_is_refused_and_not_finished(services):
    class Reader:
        sent = 0

        def read(self, n):
            n = min(n, 20_000 - self.sent)
            self.sent += n
            return b"z" * n

    with pytest.raises(TaskclusterInputError, match="gave 20000 bytes, but contentLength is 30000"):
        upload.upload(projectId="proj", name="short", contentType="a/b", contentLength=30_000,
                      expires=EXPIRES, readerFactory=Reader, objectService=object_client(services))
    assert "short" not in services.finished


@pytest.mark.parametrize("kwargs,argument", [
    ({"contentLength": -1}, "contentLength"), ({"contentLength": "5"}, "contentLength"),
    ({"readerFactory": b"data"}, "readerFactory"), ({"objectService": object()}, "objectService"),
    ({"progress": 5}, "progress")])
def test_bad_input_is_refused_before_sending(services, kwargs, argument):
    args = dict(projectId="proj", name="n", contentType="a/b", contentLength=3, expires=EXPIRES,
                readerFactory=lambda: io.BytesIO(b"abc"), objectService=object_client(services))
    args.update(kwargs)
    with pytest.raises(TaskclusterInputError) as info:
        upload.upload(**args)
    assert info.value.argument == argument and info.value.method == "upload"
    assert services.server.requests == []


def test_upload_works_inside_a_running_event_loop(services, s3):
    data = os.urandom(50_000)

    async def main():
        # Called straight from a coroutine: nothing here needs a loop of its own.
        put_buf(services, "in-loop", data)

    asyncio.run(main())
    assert s3.get("objects/in-loop") == data


def test_the_package_names_and_keywords():
    import inspect

    assert upload.DATA_INLINE_MAX_SIZE == 8192
    params = inspect.signature(upload.upload).parameters
    for name in ("projectId", "name", "contentType", "contentLength", "expires",
                 "readerFactory", "maxRetries", "uploadId", "objectService", "progress"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    assert params["maxRetries"].default == 5
    hashing = upload.HashingReader(BufferReader(b"abc"))
    assert bytes(hashing.read(10)) == b"abc" and hashing.bytes == 3
    assert hashing.hashes(3) == hashes_of(b"abc")
    with pytest.raises(TaskclusterInputError):
        hashing.hashes(4)


def test_importing_the_helpers_stays_cheap():
    import subprocess
    import sys

    code = ("import sys, taskcluster.upload, taskcluster.download; "
            "print(sorted(m for m in ('requests', 'urllib3', 'asyncio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
