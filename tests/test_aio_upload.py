"""taskcluster.aio.upload against the object service on loopback, data on
moto: the cases of test_upload.py, through the async clients."""

import asyncio
import io
import os

import pytest

import taskcluster.aio
from fake_services import FakeServices, hashes_of
from loopback import Reply, Reset, ResetDuringBody, closed_port
from s3server import StorageProxy
from taskcluster import upload as sync_upload
from taskcluster.aio import upload
from taskcluster.aio.reader_writer import BufferReader
from taskcluster.exceptions import (TaskclusterConnectionError, TaskclusterInputError,
                                    TaskclusterRestFailure)

EXPIRES = "2030-01-01T00:00:00.000Z"


def run(coroutine):
    return asyncio.run(coroutine)


def object_client(services, cls=None, **options):
    cls = cls or taskcluster.aio.Object
    return cls(dict({"rootUrl": services.root_url, "delayFactor": 0.001,
                     "credentials": {"clientId": "c", "accessToken": "secret"}}, **options))


async def put_buf(services, name, data, **kw):
    async with object_client(services) as obj:
        kw.setdefault("objectService", obj)
        return await upload.uploadFromBuf(projectId="proj", name=name,
                                          contentType="application/x-test",
                                          contentLength=len(data), expires=EXPIRES, data=data,
                                          **kw)


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
    name = "o/%d" % size
    assert run(put_buf(services, name, data)) is None
    sent = services.uploads[name]
    assert ("dataInline" in sent["proposedUploadMethods"]) == (method == "dataInline")
    assert s3.get("objects/" + name) == data
    assert services.finished[name]["hashes"] == hashes_of(data)
    assert services.finished[name]["uploadId"] == sent["uploadId"]
    puts = [r for r in services.server.requests if r.method == "PUT"]
    assert [r.path for r in puts] == ["/api/object/v1/upload/" + name.replace("/", "%2F")]


def test_small_object_goes_by_put_url_when_the_service_refuses_inline(services, s3):
    services.accept = ("putUrl",)
    data = b"small"
    run(put_buf(services, "refused", data))
    assert s3.get("objects/refused") == data
    assert services.finished["refused"]["hashes"] == hashes_of(data)


def test_upload_from_file_with_progress(services, s3, tmp_path):
    data = os.urandom(2 * 1024 * 1024 + 1)
    path = tmp_path / "in.bin"
    path.write_bytes(data)
    seen = []

    async def main():
        with open(path, "rb") as f:
            f.read(10)  # each attempt starts at offset 0 anyway
            async with object_client(services) as obj:
                await upload.uploadFromFile(
                    projectId="proj", name="f", contentType="a/b", contentLength=len(data),
                    expires=EXPIRES, file=f, objectService=obj, uploadId="x" * 22,
                    progress=lambda done, total: seen.append((done, total)))

    run(main())
    assert s3.get("objects/f") == data
    assert services.uploads["f"]["uploadId"] == "x" * 22
    assert seen[-1] == (len(data), len(data))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize("factory_kind", ["coroutine", "plain"])
@pytest.mark.parametrize("fault", [Reply(503), Reply(500), Reset()], ids=repr)
def test_put_faults_are_retried_from_a_fresh_reader(faulty, proxy, s3, fault, factory_kind):
    data = os.urandom(100_000)
    made = []

    async def async_factory():
        made.append(1)
        return BufferReader(data)

    def plain_factory():
        made.append(1)
        return BufferReader(data)

    async def main():
        async with object_client(faulty) as obj:
            await upload.upload(
                projectId="proj", name="r", contentType="a/b", contentLength=len(data),
                expires=EXPIRES, objectService=obj,
                readerFactory=async_factory if factory_kind == "coroutine" else plain_factory)

    proxy.plan(fault, fault)
    run(main())
    assert len(made) == 3
    assert [r.method for r in proxy.server.requests] == ["PUT"] * 3
    assert s3.get("objects/r") == data
    assert faulty.finished["r"]["hashes"] == hashes_of(data)


def test_reset_in_the_middle_of_the_body_is_retried(faulty, proxy, s3):
    data = os.urandom(4 * 1024 * 1024)
    proxy.plan(ResetDuringBody(after=1024 * 1024))
    run(put_buf(faulty, "mid", data))
    assert [r.method for r in proxy.server.requests] == ["PUT", "PUT"]
    assert s3.get("objects/mid") == data
    assert faulty.finished["mid"]["hashes"] == hashes_of(data)


def test_put_gives_up_after_max_retries_and_never_finishes(faulty, proxy):
    proxy.plan(*[Reply(503)] * 3)
    with pytest.raises(TaskclusterRestFailure) as info:
        run(put_buf(faulty, "down", b"x" * 9000, maxRetries=2))
    assert info.value.status_code == 503
    assert len(proxy.server.requests) == 3
    assert "down" not in faulty.finished
    assert "X-Amz-Signature" not in str(info.value)


def test_expired_put_url_is_not_retried(faulty, proxy):
    proxy.plan(Reply(403, "<Error><Code>AccessDenied</Code><Message>Request has expired"
                          "</Message></Error>", {"Content-Type": "application/xml"}))
    with pytest.raises(TaskclusterRestFailure, match="expired") as info:
        run(put_buf(faulty, "late", b"x" * 9000))
    assert info.value.status_code == 403 and "Request has expired" in info.value.body
    assert len(proxy.server.requests) == 1
    assert "late" not in faulty.finished


def test_connection_failures_end_in_a_connection_error(faulty, proxy):
    proxy.plan(*[Reset()] * 2)
    with pytest.raises(TaskclusterConnectionError) as info:
        run(put_buf(faulty, "reset", b"x" * 9000, maxRetries=1))
    assert "reset" not in faulty.finished
    assert len(proxy.server.requests) == 2
    assert "X-Amz" not in str(info.value)


def test_storage_refusing_connections(server, s3):
    services = FakeServices(server, s3, storage="http://127.0.0.1:%d" % closed_port())
    with pytest.raises(TaskclusterConnectionError, match="PUT http://127.0.0.1") as info:
        run(put_buf(services, "refused", b"x" * 9000, maxRetries=1))
    assert "X-Amz" not in str(info.value) and "refused" not in services.finished


def test_storage_that_stops_taking_the_data_is_given_up_after_the_timeout(server, s3):
    """aiohttp's own timeouts cover connecting and the answer, not a send
    that stalls: a storage that accepts the connection and reads nothing."""
    import socket

    deaf = socket.socket()
    deaf.bind(("127.0.0.1", 0))
    deaf.listen(8)  # connections complete in the kernel; nothing is ever read
    try:
        services = FakeServices(server, s3, storage="http://127.0.0.1:%d" % deaf.getsockname()[1])

        async def main():
            async with object_client(services, timeout=0.3) as obj:
                data = bytes(32 * 1024 * 1024)  # more than the sockets' buffers hold
                await upload.uploadFromBuf(projectId="proj", name="deaf", contentType="a/b",
                                           contentLength=len(data), expires=EXPIRES, data=data,
                                           objectService=obj, maxRetries=1)

        with pytest.raises(TaskclusterConnectionError,
                           match="took none of the data for 0.3s") as info:
            run(main())
    finally:
        deaf.close()
    assert "X-Amz" not in str(info.value) and "deaf" not in services.finished


@pytest.mark.parametrize("given", [99, 101])
def test_reader_giving_the_wrong_length_is_refused(services, given):
    class Reader:
        def __init__(self):
            self.left = given

        async def read(self, n):
            n = min(n, self.left)
            self.left -= n
            return b"y" * n

    async def main():
        async with object_client(services) as obj:
            await upload.upload(projectId="proj", name="bad", contentType="a/b",
                                contentLength=100, expires=EXPIRES, readerFactory=Reader,
                                objectService=obj)

    with pytest.raises(TaskclusterInputError, match="contentLength is 100") as info:
        run(main())
    assert info.value.argument == "contentLength"
    assert "bad" not in services.uploads and "bad" not in services.finished


@pytest.mark.parametrize("given", [20_000, 40_000])
def test_large_reader_giving_the_wrong_length_is_refused_and_not_finished(faulty, proxy, given):
    class Reader:
        sent = 0

        async def read(self, n):
            n = min(n, given - self.sent)
            self.sent += n
            return b"z" * n

    async def main():
        async with object_client(faulty) as obj:
            await upload.upload(projectId="proj", name="short", contentType="a/b",
                                contentLength=30_000, expires=EXPIRES, readerFactory=Reader,
                                objectService=obj)

    expected = "gave 20000 bytes" if given < 30_000 else "gave more than 30000 bytes"
    with pytest.raises(TaskclusterInputError, match=expected + ", but contentLength is 30000"):
        run(main())
    assert "short" not in faulty.finished
    # Refused, not retried: the reader, not the storage, is at fault.
    assert len(proxy.server.requests) <= 1


def test_a_reader_raising_is_not_retried(faulty, proxy):
    made = []

    class Reader:
        async def read(self, n):
            raise OSError("disk gone")

    def factory():
        made.append(1)
        return Reader()

    async def main():
        async with object_client(faulty) as obj:
            await upload.upload(projectId="proj", name="broken", contentType="a/b",
                                contentLength=30_000, expires=EXPIRES, readerFactory=factory,
                                objectService=obj)

    with pytest.raises(OSError, match="disk gone"):
        run(main())
    assert made == [1] and "broken" not in faulty.finished
    assert len(proxy.server.requests) <= 1


@pytest.mark.parametrize("kwargs,argument", [
    ({"contentLength": -1}, "contentLength"), ({"contentLength": "5"}, "contentLength"),
    ({"readerFactory": b"data"}, "readerFactory"), ({"objectService": object()}, "objectService"),
    ({"progress": 5}, "progress")])
def test_bad_input_is_refused_before_sending(services, kwargs, argument):
    async def main():
        args = dict(projectId="proj", name="n", contentType="a/b", contentLength=3,
                    expires=EXPIRES, readerFactory=lambda: BufferReader(b"abc"),
                    objectService=object_client(services))
        args.update(kwargs)
        await upload.upload(**args)

    with pytest.raises(TaskclusterInputError) as info:
        run(main())
    assert info.value.argument == argument and info.value.method == "upload"
    assert services.server.requests == []


def test_a_sync_object_client_is_accepted(services, s3):
    """As the package's async helpers do (they run its methods in a thread)."""
    data = os.urandom(20_000)
    obj = object_client(services, cls=taskcluster.Object)
    run(upload.uploadFromBuf(projectId="proj", name="sync-client", contentType="a/b",
                             contentLength=len(data), expires=EXPIRES, data=data,
                             objectService=obj))
    assert s3.get("objects/sync-client") == data
    assert services.finished["sync-client"]["hashes"] == hashes_of(data)


def test_many_uploads_at_once_on_one_loop(services, s3):
    blobs = {"c%d" % i: os.urandom(50_000 + i) for i in range(8)}

    async def main():
        async with object_client(services) as obj:
            await asyncio.gather(*(upload.uploadFromBuf(
                projectId="proj", name=name, contentType="a/b", contentLength=len(data),
                expires=EXPIRES, data=data, objectService=obj) for name, data in blobs.items()))

    run(main())
    for name, data in blobs.items():
        assert s3.get("objects/" + name) == data
        assert services.finished[name]["hashes"] == hashes_of(data)


def test_cancelled_upload_never_finishes(faulty, proxy):
    from loopback import Hang

    proxy.plan(Hang(5))

    async def main():
        task = asyncio.ensure_future(put_buf(faulty, "cancelled", b"c" * 20_000))
        while not proxy.server.requests:
            await asyncio.sleep(0.01)
        task.cancel()
        await task

    with pytest.raises(asyncio.CancelledError):
        run(main())
    assert "cancelled" not in faulty.finished


def test_the_package_names_and_keywords():
    import inspect

    assert upload.DATA_INLINE_MAX_SIZE == 8192
    assert set(upload.__all__) == set(sync_upload.__all__)
    for name in ("upload", "uploadFromBuf", "uploadFromFile"):
        assert inspect.iscoroutinefunction(getattr(upload, name)), name
    params = inspect.signature(upload.upload).parameters
    sync_params = inspect.signature(sync_upload.upload).parameters
    assert [(p.name, p.kind, p.default) for p in params.values()] == \
        [(p.name, p.kind, p.default) for p in sync_params.values()]
    for name in ("projectId", "name", "contentType", "contentLength", "expires",
                 "readerFactory", "maxRetries", "uploadId", "objectService", "progress"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    assert params["maxRetries"].default == 5

    async def main():
        hashing = upload.HashingReader(BufferReader(b"abc"))
        assert bytes(await hashing.read(10)) == b"abc" and hashing.bytes == 3
        assert hashing.hashes(3) == hashes_of(b"abc")
        with pytest.raises(TaskclusterInputError):
            hashing.hashes(4)
        # A reader whose read is a plain function is taken as well.
        plain = upload.HashingReader(io.BytesIO(b"xyz"))
        assert await plain.read(10) == b"xyz" and plain.hashes(3) == hashes_of(b"xyz")
    run(main())


def test_importing_the_helpers_stays_cheap():
    import subprocess
    import sys

    code = ("import sys, taskcluster.aio.upload, taskcluster.aio.download; "
            "print(sorted(m for m in ('aiohttp', 'requests', 'urllib3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
