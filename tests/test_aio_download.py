"""taskcluster.aio.download: objects and queue artifacts, against the
object, queue and index services on loopback, data on moto; the cases of
test_download.py, through the async clients."""

import asyncio
import logging
import io
import os

import pytest

import taskcluster
import taskcluster.aio
from fake_services import FakeServices, hashes_of
from loopback import Hang, Reply, Reset, Truncate
from s3server import StorageProxy
from taskcluster import download as sync_download
from taskcluster.aio import download, upload
from taskcluster.exceptions import (TaskclusterConnectionError, TaskclusterFailure,
                                    TaskclusterInputError, TaskclusterRestFailure)

TASK = "fN1SbArXTPSVFNUvaOlinQ"
CREDS = {"clientId": "c", "accessToken": "secret"}


def run(coroutine):
    return asyncio.run(coroutine)


def client(cls, services, module=taskcluster.aio, **options):
    return getattr(module, cls)(dict({"rootUrl": services.root_url, "delayFactor": 0.001,
                                      "credentials": CREDS}, **options))


async def with_client(cls, services, helper, *args, **kwargs):
    """``helper(*args, **kwargs, <service argument>=<an async cls client>)``."""
    argument = {"Object": "objectService", "Queue": "queueService",
                "Index": "indexService"}[cls]
    async with client(cls, services) as c:
        return await helper(*args, **{argument: c}, **kwargs)


@pytest.fixture
def proxy(s3):
    with StorageProxy(s3) as p:
        yield p


@pytest.fixture
def faulty(server, s3, proxy):
    return FakeServices(server, s3, storage=proxy.url)


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir())


# -- objects ----------------------------------------------------------------------

@pytest.mark.parametrize("method", ["getUrl", "simple"])
def test_download_to_buf_verifies_both_methods(services, method):
    services.download_method = method
    data = os.urandom(3 * 1024 * 1024 + 7)
    services.add_object("o", data, "application/x-thing")
    seen = []
    buf, contentType = run(with_client("Object", services, download.downloadToBuf, name="o",
                                       progress=lambda d, t: seen.append((d, t))))
    assert bytes(buf) == data and contentType == "application/x-thing"
    assert seen[-1] == (len(data), len(data))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    started = [r for r in services.server.requests if "/start-download/" in r.path]
    assert len(started) == 1
    # a simple download has no hashes in its answer: they come from the metadata
    assert any("/metadata/" in r.path for r in services.server.requests) == (method == "simple")


def test_round_trip_through_upload(services):
    data = os.urandom(1_000_000)

    async def main():
        async with client("Object", services) as obj:
            await upload.uploadFromBuf(projectId="p", name="rt", contentType="a/b",
                                       contentLength=len(data), expires="2030-01-01T00:00:00Z",
                                       data=data, objectService=obj)
            return await download.downloadToBuf(name="rt", objectService=obj)

    buf, contentType = run(main())
    assert bytes(buf) == data and contentType == "a/b"


@pytest.mark.parametrize("method", ["getUrl", "simple"])
def test_wrong_hash_raises_and_leaves_no_file(services, tmp_path, method):
    services.download_method = method
    services.add_object("o", b"the real data", hashes=hashes_of(b"other data"))
    target = tmp_path / "out.bin"
    with pytest.raises(download.ObjectHashVerificationError, match="hash"):
        run(with_client("Object", services, download.downloadToFile, str(target), name="o"))
    assert leftovers(tmp_path) == []


def test_no_acceptable_hash_is_an_error(services):
    services.add_object("o", b"data", hashes={"md5": "whatever"})
    with pytest.raises(download.ObjectHashVerificationError, match="no hash"):
        run(with_client("Object", services, download.downloadToBuf, name="o"))


def test_download_to_path_replaces_only_when_verified(services, tmp_path):
    data = os.urandom(200_000)
    services.add_object("o", data)
    target = tmp_path / "out.bin"
    target.write_bytes(b"old content")
    assert run(with_client("Object", services, download.downloadToFile, target, name="o")) == \
        "application/octet-stream"
    assert target.read_bytes() == data and leftovers(tmp_path) == ["out.bin"]
    services.add_object("bad", data, hashes=hashes_of(b"nope"))
    with pytest.raises(download.ObjectHashVerificationError):
        run(with_client("Object", services, download.downloadToFile, target, name="bad"))
    assert target.read_bytes() == data and leftovers(tmp_path) == ["out.bin"]


def test_download_to_file_object_is_emptied_on_failure(services):
    services.add_object("bad", b"x" * 5000, hashes=hashes_of(b"y"))
    f = io.BytesIO(b"previous")
    with pytest.raises(download.ObjectHashVerificationError):
        run(with_client("Object", services, download.downloadToFile, file=f, name="bad"))
    assert f.getvalue() == b""


@pytest.mark.parametrize("fault", [
    Reply(503), Reset(), Reset(after_headers=True),
    Truncate(200, body=b"a" * 1000, length=5000, headers={"Content-Type": "a/b"}),
    Truncate(200, body=b"a" * 1000, length=5000, headers={"Content-Type": "a/b"}, reset=True),
], ids=["503", "reset", "reset-after-headers", "cut-short", "reset-mid-body"])
def test_get_faults_are_retried_into_a_fresh_writer(faulty, proxy, tmp_path, fault):
    data = os.urandom(5000)
    faulty.add_object("o", data)
    proxy.plan(fault, fault)
    target = tmp_path / "o.bin"
    run(with_client("Object", faulty, download.downloadToFile, target, name="o"))
    assert target.read_bytes() == data and leftovers(tmp_path) == ["o.bin"]
    assert len(proxy.server.requests) == 3


def test_each_attempt_gets_a_fresh_writer_from_a_coroutine_factory(faulty, proxy):
    data = os.urandom(5000)
    faulty.add_object("o", data)
    proxy.plan(Truncate(200, body=b"a" * 1000, length=5000))
    writers = []

    async def writerFactory():
        writers.append(download.HashingWriter(io.BytesIO()))  # any writer will do
        return writers[-1]

    assert run(with_client("Object", faulty, download.download, name="o",
                           writerFactory=writerFactory)) == "application/octet-stream"
    assert [w.inner.getvalue() for w in writers] == [b"a" * 1000, data]


def test_storage_that_does_not_answer_is_retried_after_the_client_timeout(faulty, proxy):
    faulty.add_object("o", b"late data")
    proxy.plan(Hang(3))

    async def main():
        async with client("Object", faulty, timeout=0.5) as obj:
            return await download.downloadToBuf(name="o", objectService=obj)

    buf, _ = run(main())
    assert bytes(buf) == b"late data" and len(proxy.server.requests) == 2


def test_storage_that_never_answers_ends_in_a_connection_error(faulty, proxy):
    faulty.add_object("o", b"late data")
    proxy.plan(Hang(3), Hang(3))

    async def main():
        async with client("Object", faulty, timeout=0.3) as obj:
            return await download.downloadToBuf(name="o", objectService=obj, maxRetries=1)

    with pytest.raises(TaskclusterConnectionError, match="0.3s timeout") as info:
        run(main())
    assert "X-Amz" not in str(info.value)


def test_gzip_encoded_body_is_decoded_then_verified(faulty, proxy):
    import gzip

    data = b"compressible " * 50_000
    faulty.add_object("o", data, "text/plain")
    proxy.plan(Reply(200, gzip.compress(data), {"Content-Encoding": "gzip",
                                                "Content-Type": "text/plain"}))
    seen = []
    buf, contentType = run(with_client("Object", faulty, download.downloadToBuf, name="o",
                                       progress=lambda d, t: seen.append(t)))
    assert bytes(buf) == data and contentType == "text/plain"
    assert len(proxy.server.requests) == 1
    # The encoded length is not the total of the decoded bytes: unknown.
    assert set(seen) == {None}


def test_body_cut_short_every_time_fails_and_leaves_nothing(faulty, proxy, tmp_path):
    faulty.add_object("o", os.urandom(5000))
    proxy.plan(*[Truncate(200, body=b"a" * 10, length=5000)] * 3)
    with pytest.raises(TaskclusterConnectionError, match="GET"):
        run(with_client("Object", faulty, download.downloadToFile, tmp_path / "o.bin",
                        name="o", maxRetries=2))
    assert leftovers(tmp_path) == []
    assert len(proxy.server.requests) == 3


def test_expired_get_url_is_not_retried(faulty, proxy, tmp_path):
    faulty.add_object("o", b"data")
    proxy.plan(Reply(403, "<Error><Code>AccessDenied</Code><Message>Request has expired"
                          "</Message></Error>", {"Content-Type": "application/xml"}))
    with pytest.raises(TaskclusterRestFailure) as info:
        run(with_client("Object", faulty, download.downloadToFile, tmp_path / "o.bin",
                        name="o"))
    assert info.value.status_code == 403 and "X-Amz" not in str(info.value)
    assert "Request has expired" in info.value.body
    assert len(proxy.server.requests) == 1 and leftovers(tmp_path) == []


def test_storage_error_bodies_keep_no_signature(faulty, proxy):
    faulty.add_object("o", b"data")
    proxy.plan(Reply(403, "<Error><Code>SignatureDoesNotMatch</Code>"
                          "<SignatureProvided>abc123sig</SignatureProvided>"
                          "<StringToSign>AWS4-HMAC-SHA256 secret-ish</StringToSign>"
                          "<Resource>/b/k?X-Amz-Signature=abc123sig</Resource></Error>",
                     {"Content-Type": "application/xml"}))
    with pytest.raises(TaskclusterRestFailure) as info:
        run(with_client("Object", faulty, download.downloadToBuf, name="o"))
    assert "SignatureDoesNotMatch" in info.value.body
    assert "abc123sig" not in info.value.body and "secret-ish" not in info.value.body
    assert "abc123sig" not in str(info.value)


def test_an_expired_url_is_asked_for_again_before_a_retry(faulty, proxy):
    faulty.url_lifetime = -1  # every getUrl answer is already past its expires
    faulty.add_object("o", b"fresh")
    proxy.plan(Reply(503))
    buf, _ = run(with_client("Object", faulty, download.downloadToBuf, name="o"))
    assert bytes(buf) == b"fresh"
    starts = [r for r in faulty.server.requests if "/start-download/" in r.path]
    assert len(starts) == 2


def test_a_redirect_from_a_get_url_is_an_error(faulty, proxy):
    faulty.add_object("o", b"data")
    proxy.plan(Reply(302, None, {"Location": "http://127.0.0.1:1/elsewhere"}))
    with pytest.raises(TaskclusterRestFailure) as info:
        run(with_client("Object", faulty, download.downloadToBuf, name="o"))
    assert info.value.status_code == 302


def test_a_writer_raising_is_not_retried_and_leaves_nothing(services, tmp_path):
    services.add_object("o", os.urandom(50_000))
    made = []

    class Writer:
        async def write(self, chunk):
            raise OSError("disk full")

    def writerFactory():
        made.append(1)
        return Writer()

    with pytest.raises(OSError, match="disk full"):
        run(with_client("Object", services, download.download, name="o",
                        writerFactory=writerFactory))
    assert made == [1]


def test_cancelling_a_download_to_a_path_leaves_nothing(faulty, proxy, tmp_path):
    faulty.add_object("o", b"slow data")
    proxy.plan(Hang(5))

    async def main():
        task = asyncio.ensure_future(with_client("Object", faulty, download.downloadToFile,
                                                 tmp_path / "o.bin", name="o"))
        while not proxy.server.requests:
            await asyncio.sleep(0.01)
        task.cancel()
        await task

    with pytest.raises(asyncio.CancelledError):
        run(main())
    assert leftovers(tmp_path) == []


def test_a_sync_object_client_is_accepted(services):
    services.add_object("o", b"through a sync client")
    obj = client("Object", services, module=taskcluster)
    buf, _ = run(download.downloadToBuf(name="o", objectService=obj))
    assert bytes(buf) == b"through a sync client"


def test_many_downloads_at_once_on_one_loop(services):
    blobs = {"t%d" % i: os.urandom(300_000 + i) for i in range(8)}
    for name, data in blobs.items():
        services.add_object(name, data)

    async def main():
        async with client("Object", services) as obj:
            got = await asyncio.gather(*(download.downloadToBuf(name=name, objectService=obj)
                                         for name in blobs))
        return {name: bytes(buf) for name, (buf, _) in zip(blobs, got)}

    assert run(main()) == blobs


def test_bad_input(services, tmp_path):
    async def main(**kwargs):
        async with client("Object", services) as obj:
            if "file" in kwargs:
                return await download.downloadToFile(name="o", objectService=obj, **kwargs)
            return await download.download(name="o", objectService=obj, **kwargs)

    with pytest.raises(TaskclusterInputError) as info:
        run(main(writerFactory=5))
    assert info.value.argument == "writerFactory"
    with pytest.raises(TaskclusterInputError) as info:
        run(main(file=object()))
    assert info.value.argument == "file"
    with pytest.raises(TaskclusterInputError) as info:
        run(main(file=tmp_path / "no-such-dir" / "x"))
    assert info.value.argument == "file"
    with pytest.raises(TaskclusterInputError) as info:
        run(download.downloadArtifactToBuf(taskId=TASK, name="x", queueService=object()))
    assert info.value.argument == "queueService"
    assert services.server.requests == []


# -- queue artifacts ------------------------------------------------------------------

def test_s3_artifact_latest_and_by_run(services):
    services.add_s3_artifact(TASK, "public/log.txt", b"run 0", runId=0)
    services.add_s3_artifact(TASK, "public/log.txt", b"run 1", runId=1)

    async def main():
        async with client("Queue", services) as queue:
            latest = await download.downloadArtifactToBuf(taskId=TASK, name="public/log.txt",
                                                          queueService=queue)
            first = await download.downloadArtifactToBuf(taskId=TASK, name="public/log.txt",
                                                         runId=0, queueService=queue)
        return latest, first

    (buf, contentType), (first, _) = run(main())
    assert (bytes(buf), contentType) == (b"run 1", "text/plain")
    assert bytes(first) == b"run 0"


def test_reference_artifact_follows_redirects(services, s3):
    services.add_s3_artifact(TASK, "real", b"referenced data")
    real = services.artifacts[(TASK, 0)]["real"]["url"]
    # a reference URL that redirects, as a CDN or a signing service may
    hop = "%s/hop" % services.server.url
    services.server.serve("/hop", Reply(302, None, {"Location": real}))
    services.add_artifact(TASK, "ref", {"storageType": "reference", "url": hop})
    buf, _ = run(with_client("Queue", services, download.downloadArtifactToBuf, taskId=TASK,
                             name="ref"))
    assert bytes(buf) == b"referenced data"


def test_object_artifact_uses_the_queue_credentials(services):
    data = os.urandom(10_000)
    services.add_object("task-artifact-object", data, "image/png")
    services.add_artifact(TASK, "public/pic.png", {
        "storageType": "object", "name": "task-artifact-object",
        "credentials": {"clientId": "from-queue", "accessToken": "tmp", "certificate": "{}"}})
    buf, contentType = run(with_client("Queue", services, download.downloadArtifactToBuf,
                                       taskId=TASK, name="public/pic.png"))
    assert (bytes(buf), contentType) == (data, "image/png")
    start = [r for r in services.server.requests if "/start-download/" in r.path][0]
    assert 'id="from-queue"' in start.headers["authorization"]


def test_error_artifact(services, tmp_path):
    services.add_artifact(TASK, "public/missing", {
        "storageType": "error", "reason": "file-missing-on-worker", "message": "gone"})
    with pytest.raises(download.TaskclusterArtifactError) as info:
        run(with_client("Queue", services, download.downloadArtifactToFile, tmp_path / "x",
                        taskId=TASK, name="public/missing"))
    assert info.value.reason == "file-missing-on-worker"
    assert isinstance(info.value, TaskclusterFailure) and leftovers(tmp_path) == []


def test_missing_artifact_is_a_404(services, tmp_path):
    with pytest.raises(TaskclusterRestFailure) as info:
        run(with_client("Queue", services, download.downloadArtifactToFile, tmp_path / "x",
                        taskId=TASK, name="public/none"))
    assert info.value.status_code == 404 and leftovers(tmp_path) == []


def test_s3_artifact_cut_short_is_retried(faulty, proxy):
    faulty.add_s3_artifact(TASK, "public/a", b"b" * 3000)
    proxy.plan(Truncate(200, body=b"b" * 100, length=3000))
    buf, _ = run(with_client("Queue", faulty, download.downloadArtifactToBuf, taskId=TASK,
                             name="public/a"))
    assert bytes(buf) == b"b" * 3000 and len(proxy.server.requests) == 2


# -- through the index ---------------------------------------------------------------

def test_download_artifact_from_index(services, tmp_path):
    services.add_s3_artifact(TASK, "public/build/target.zip", b"zip bytes")
    services.index_task("project.app.latest", TASK)
    seen = []
    contentType = run(with_client(
        "Index", services, download.downloadArtifactFromIndexToFile, tmp_path / "t.zip",
        indexPath="project.app.latest", name="public/build/target.zip",
        progress=lambda d, t: seen.append(d)))
    assert (tmp_path / "t.zip").read_bytes() == b"zip bytes" and contentType == "text/plain"
    assert seen[-1] == len(b"zip bytes")
    paths = [r.path for r in services.server.requests]
    assert "/api/index/v1/task/project.app.latest/artifacts/public%2Fbuild%2Ftarget.zip" \
        in paths
    # The taskId came from the 303's Location: the index was not asked again.
    assert "/api/index/v1/task/project.app.latest" not in paths
    assert "/api/queue/v1/task/%s/artifact-content/public%%2Fbuild%%2Ftarget.zip" % TASK \
        in paths


def test_download_artifact_from_index_with_a_queue_client(services):
    services.add_s3_artifact(TASK, "public/x", b"x bytes")
    services.index_task("p.latest", TASK)

    async def main():
        async with client("Index", services) as index, client("Queue", services) as queue:
            return await download.downloadArtifactFromIndexToBuf(
                indexPath="p.latest", name="public/x", indexService=index, queueService=queue)

    buf, _ = run(main())
    assert bytes(buf) == b"x bytes"


def test_download_artifact_from_unknown_index_path(services):
    with pytest.raises(TaskclusterRestFailure) as info:
        run(with_client("Index", services, download.downloadArtifactFromIndexToBuf,
                        indexPath="no.such", name="public/x"))
    assert info.value.status_code == 404


def test_the_async_client_answers_a_303_with_its_response(services):
    """The shape the redirect target is read from, as the async client gives it."""
    services.index_task("p.latest", TASK)

    async def main():
        async with client("Index", services) as index:
            answer = await index.findArtifactFromTask("p.latest", "public/x")
            return taskcluster._transfer.redirect_location(answer)

    assert taskcluster._transfer.task_id_from_location(run(main())) == TASK


def test_the_package_names():
    import inspect

    assert set(download.__all__) == set(sync_download.__all__)
    for name in download.__all__:
        value = getattr(download, name)
        if inspect.isfunction(value) and name.startswith("download"):
            assert inspect.iscoroutinefunction(value), name
            assert inspect.signature(value) == inspect.signature(getattr(sync_download, name))
    assert download.ACCEPTABLE_HASHES == {"sha256", "sha512"}
    assert download.ObjectHashVerificationError is sync_download.ObjectHashVerificationError
    assert download.TaskclusterArtifactError is sync_download.TaskclusterArtifactError
    assert download.verifyHashes is sync_download.verifyHashes

    async def main():
        writer = download.HashingWriter(io.BytesIO())  # a plain write is taken as well
        await writer.write(b"abc")
        assert writer.hashes() == hashes_of(b"abc") and writer.inner.getvalue() == b"abc"
    run(main())


def test_presigned_signatures_stay_out_of_errors_and_logs(faulty, proxy, caplog, tmp_path):
    """With every logger at DEBUG (aiohttp's and asyncio's included), no
    fault of the storage shows a presigned URL's query."""
    caplog.set_level(logging.DEBUG)
    for name in ("taskcluster", "aiohttp", "aiohttp.client", "aiohttp.internal", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    faulty.add_object("o", os.urandom(5000))
    errors = []
    for faults in ([Reply(503), Reset(), Truncate(200, body=b"a", length=5000)],
                   [Reply(403, "<Error><Code>AccessDenied</Code></Error>")]):
        proxy.plan(*faults)
        with pytest.raises(TaskclusterFailure) as info:
            run(with_client("Object", faulty, download.downloadToFile, tmp_path / "o",
                            name="o", maxRetries=len(faults) - 1))
        errors.append(info.value)
    texts = [str(e) for e in errors] + [repr(e) for e in errors] + \
        [str(getattr(e, "body", "")) for e in errors] + \
        [r.getMessage() for r in caplog.records
         # (boto3 presigning and moto's access log, in this process, are the test's servers)
         if r.name.split(".")[0] in ("taskcluster", "aiohttp", "asyncio")]
    assert any(r.name == "taskcluster" and "attempt 1 failed" in r.getMessage()
               for r in caplog.records)
    for text in texts:
        assert "X-Amz-Signature" not in text and "X-Amz-Credential" not in text, text
    assert leftovers(tmp_path) == []
