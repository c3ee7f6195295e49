"""taskcluster.download: objects and queue artifacts, against the object,
queue and index services on loopback, data on moto."""

import asyncio
import io
import os

import pytest
import requests

import taskcluster
from fake_services import FakeServices, hashes_of
from loopback import Reply, Reset, Truncate
from s3server import StorageProxy
from taskcluster import download, upload
from taskcluster.exceptions import (TaskclusterConnectionError, TaskclusterFailure,
                                    TaskclusterInputError, TaskclusterRestFailure)

TASK = "fN1SbArXTPSVFNUvaOlinQ"
CREDS = {"clientId": "c", "accessToken": "secret"}


def client(cls, services, **options):
    return getattr(taskcluster, cls)(dict({"rootUrl": services.root_url, "delayFactor": 0.001,
                                           "credentials": CREDS}, **options))


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
    buf, contentType = download.downloadToBuf(name="o", objectService=client("Object", services),
                                              progress=lambda d, t: seen.append((d, t)))
    assert bytes(buf) == data and contentType == "application/x-thing"
    assert seen[-1] == (len(data), len(data))
    started = [r for r in services.server.requests if "/start-download/" in r.path]
    assert len(started) == 1
    # a simple download has no hashes in its answer: they come from the metadata
    assert any("/metadata/" in r.path for r in services.server.requests) == (method == "simple")


def test_round_trip_through_upload(services):
    data = os.urandom(1_000_000)
    obj = client("Object", services)
    upload.uploadFromBuf(projectId="p", name="rt", contentType="a/b",
                                     contentLength=len(data), expires="2030-01-01T00:00:00Z",
                                     data=data, objectService=obj)
    buf, contentType = download.downloadToBuf(name="rt", objectService=obj)
    assert bytes(buf) == data and contentType == "a/b"


@pytest.mark.parametrize("method", ["getUrl", "simple"])
def test_wrong_hash_raises_and_leaves_no_file(services, tmp_path, method):
    services.download_method = method
    services.add_object("o", b"the real data", hashes=hashes_of(b"other data"))
    target = tmp_path / "out.bin"
    with pytest.raises(download.ObjectHashVerificationError, match="hash"):
        download.downloadToFile(str(target), name="o", objectService=client("Object", services))
    assert leftovers(tmp_path) == []


def test_no_acceptable_hash_is_an_error(services):
    services.add_object("o", b"data", hashes={"md5": "whatever"})
    with pytest.raises(download.ObjectHashVerificationError, match="no hash"):
        download.downloadToBuf(name="o", objectService=client("Object", services))


def test_download_to_path_replaces_only_when_verified(services, tmp_path):
    data = os.urandom(200_000)
    services.add_object("o", data)
    target = tmp_path / "out.bin"
    target.write_bytes(b"old content")
    assert download.downloadToFile(target, name="o",
                                   objectService=client("Object", services)) == \
        "application/octet-stream"
    assert target.read_bytes() == data and leftovers(tmp_path) == ["out.bin"]
    services.add_object("bad", data, hashes=hashes_of(b"nope"))
    with pytest.raises(download.ObjectHashVerificationError):
        download.downloadToFile(target, name="bad", objectService=client("Object", services))
    assert target.read_bytes() == data and leftovers(tmp_path) == ["out.bin"]


def test_download_to_file_object_is_emptied_on_failure(services):
    services.add_object("bad", b"x" * 5000, hashes=hashes_of(b"y"))
    f = io.BytesIO(b"previous")
    with pytest.raises(download.ObjectHashVerificationError):
        download.downloadToFile(file=f, name="bad", objectService=client("Object", services))
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
    download.downloadToFile(target, name="o", objectService=client("Object", faulty))
    assert target.read_bytes() == data and leftovers(tmp_path) == ["o.bin"]
    assert len(proxy.server.requests) == 3


def test_gzip_encoded_body_is_decoded_then_verified(faulty, proxy):
    import gzip

    data = b"compressible " * 50_000
    faulty.add_object("o", data, "text/plain")
    proxy.plan(Reply(200, gzip.compress(data), {"Content-Encoding": "gzip",
                                                "Content-Type": "text/plain"}))
    buf, contentType = download.downloadToBuf(name="o", objectService=client("Object", faulty))
    assert bytes(buf) == data and contentType == "text/plain"
    assert len(proxy.server.requests) == 1


def test_body_cut_short_every_time_fails_and_leaves_nothing(faulty, proxy, tmp_path):
    faulty.add_object("o", os.urandom(5000))
    proxy.plan(*[Truncate(200, body=b"a" * 10, length=5000)] * 3)
    with pytest.raises(TaskclusterConnectionError, match="GET"):
        download.downloadToFile(tmp_path / "o.bin", name="o", maxRetries=2,
                                objectService=client("Object", faulty))
    assert leftovers(tmp_path) == []
    assert len(proxy.server.requests) == 3


def test_expired_get_url_is_not_retried(faulty, proxy, tmp_path):
    faulty.add_object("o", b"data")
    proxy.plan(Reply(403, "<Error><Code>AccessDenied</Code><Message>Request has expired"
                          "</Message></Error>", {"Content-Type": "application/xml"}))
    with pytest.raises(TaskclusterRestFailure) as info:
        download.downloadToFile(tmp_path / "o.bin", name="o",
                                objectService=client("Object", faulty))
    assert info.value.status_code == 403 and "X-Amz" not in str(info.value)
    assert len(proxy.server.requests) == 1 and leftovers(tmp_path) == []


def test_storage_error_bodies_keep_no_signature(faulty, proxy):
    faulty.add_object("o", b"data")
    proxy.plan(Reply(403, "<Error><Code>SignatureDoesNotMatch</Code>"
                          "<SignatureProvided>abc123sig</SignatureProvided>"
                          "<StringToSign>AWS4-HMAC-SHA256 secret-ish</StringToSign>"
                          "<Resource>/b/k?X-Amz-Signature=abc123sig</Resource></Error>",
                     {"Content-Type": "application/xml"}))
    with pytest.raises(TaskclusterRestFailure) as info:
        download.downloadToBuf(name="o", objectService=client("Object", faulty))
    assert "SignatureDoesNotMatch" in info.value.body
    assert "abc123sig" not in info.value.body and "secret-ish" not in info.value.body


def test_an_expired_url_is_asked_for_again_before_a_retry(faulty, proxy):
    faulty.url_lifetime = -1  # every getUrl answer is already past its expires
    faulty.add_object("o", b"fresh")
    proxy.plan(Reply(503))
    buf, _ = download.downloadToBuf(name="o", objectService=client("Object", faulty))
    assert bytes(buf) == b"fresh"
    starts = [r for r in faulty.server.requests if "/start-download/" in r.path]
    assert len(starts) == 2


def test_a_redirect_from_a_get_url_is_an_error(faulty, proxy):
    faulty.add_object("o", b"data")
    proxy.plan(Reply(302, None, {"Location": "http://127.0.0.1:1/elsewhere"}))
    with pytest.raises(TaskclusterRestFailure) as info:
        download.downloadToBuf(name="o", objectService=client("Object", faulty))
    assert info.value.status_code == 302


def test_download_works_inside_a_running_event_loop(services):
    services.add_object("o", b"loop data")

    async def main():
        return download.downloadToBuf(name="o", objectService=client("Object", services))

    buf, _ = asyncio.run(main())
    assert bytes(buf) == b"loop data"


def test_bad_input(services):
    with pytest.raises(TaskclusterInputError) as info:
        download.download(name="o", objectService=client("Object", services), writerFactory=5)
    assert info.value.argument == "writerFactory"
    with pytest.raises(TaskclusterInputError) as info:
        download.downloadToFile(file=object(), name="o", objectService=client("Object", services))
    assert info.value.argument == "file"
    assert services.server.requests == []


# -- queue artifacts ------------------------------------------------------------------

def test_s3_artifact_latest_and_by_run(services):
    services.add_s3_artifact(TASK, "public/log.txt", b"run 0", runId=0)
    services.add_s3_artifact(TASK, "public/log.txt", b"run 1", runId=1)
    queue = client("Queue", services)
    buf, contentType = download.downloadArtifactToBuf(taskId=TASK, name="public/log.txt",
                                                      queueService=queue)
    assert (bytes(buf), contentType) == (b"run 1", "text/plain")
    buf, _ = download.downloadArtifactToBuf(taskId=TASK, name="public/log.txt", runId=0,
                                            queueService=queue)
    assert bytes(buf) == b"run 0"


def test_reference_artifact_follows_redirects(services, s3):
    services.add_s3_artifact(TASK, "real", b"referenced data")
    real = services.artifacts[(TASK, 0)]["real"]["url"]
    # a reference URL that redirects, as a CDN or a signing service may
    hop = "%s/hop" % services.server.url
    services.server.serve("/hop", Reply(302, None, {"Location": real}))
    services.add_artifact(TASK, "ref", {"storageType": "reference", "url": hop})
    buf, _ = download.downloadArtifactToBuf(taskId=TASK, name="ref",
                                            queueService=client("Queue", services))
    assert bytes(buf) == b"referenced data"


def test_object_artifact_uses_the_queue_credentials(services):
    data = os.urandom(10_000)
    services.add_object("task-artifact-object", data, "image/png")
    services.add_artifact(TASK, "public/pic.png", {
        "storageType": "object", "name": "task-artifact-object",
        "credentials": {"clientId": "from-queue", "accessToken": "tmp", "certificate": "{}"}})
    buf, contentType = download.downloadArtifactToBuf(taskId=TASK, name="public/pic.png",
                                                      queueService=client("Queue", services))
    assert (bytes(buf), contentType) == (data, "image/png")
    start = [r for r in services.server.requests if "/start-download/" in r.path][0]
    assert 'id="from-queue"' in start.headers["authorization"]


def test_error_artifact(services, tmp_path):
    services.add_artifact(TASK, "public/missing", {
        "storageType": "error", "reason": "file-missing-on-worker", "message": "gone"})
    with pytest.raises(download.TaskclusterArtifactError) as info:
        download.downloadArtifactToFile(tmp_path / "x", taskId=TASK, name="public/missing",
                                        queueService=client("Queue", services))
    assert info.value.reason == "file-missing-on-worker"
    assert isinstance(info.value, TaskclusterFailure) and leftovers(tmp_path) == []


def test_s3_artifact_cut_short_is_retried(faulty, proxy):
    faulty.add_s3_artifact(TASK, "public/a", b"b" * 3000)
    proxy.plan(Truncate(200, body=b"b" * 100, length=3000))
    buf, _ = download.downloadArtifactToBuf(taskId=TASK, name="public/a",
                                            queueService=client("Queue", faulty))
    assert bytes(buf) == b"b" * 3000 and len(proxy.server.requests) == 2


# -- through the index ---------------------------------------------------------------

def test_download_artifact_from_index(services, tmp_path):
    services.add_s3_artifact(TASK, "public/build/target.zip", b"zip bytes")
    services.index_task("project.app.latest", TASK)
    seen = []
    contentType = download.downloadArtifactFromIndexToFile(
        tmp_path / "t.zip", indexPath="project.app.latest", name="public/build/target.zip",
        indexService=client("Index", services), progress=lambda d, t: seen.append(d))
    assert (tmp_path / "t.zip").read_bytes() == b"zip bytes" and contentType == "text/plain"
    assert seen[-1] == len(b"zip bytes")
    assert any("/api/index/v1/task/project.app.latest/artifacts/" in r.path
               for r in services.server.requests)


def test_download_artifact_from_unknown_index_path(services):
    with pytest.raises(TaskclusterRestFailure) as info:
        download.downloadArtifactFromIndexToBuf(indexPath="no.such", name="public/x",
                                                indexService=client("Index", services))
    assert info.value.status_code == 404


def test_location_of_a_real_303(services):
    """The redirect target read from the answer shape the client gives for a
    303 without a JSON body: {"response": <requests.Response>}."""
    services.index_task("p.latest", TASK)
    url = services.root_url + "/api/index/v1/task/p.latest/artifacts/public%2Fx"
    response = requests.get(url, allow_redirects=False)
    assert response.status_code == 303
    location = download._location({"response": response})
    assert taskcluster._transfer.task_id_from_location(location) == TASK


def test_the_package_names():
    assert download.ACCEPTABLE_HASHES == {"sha256", "sha512"}
    assert issubclass(download.ObjectHashVerificationError, TaskclusterFailure)
    assert issubclass(download.TaskclusterArtifactError, TaskclusterFailure)
    writer = download.HashingWriter(io.BytesIO())
    writer.write(b"abc")
    assert writer.hashes() == hashes_of(b"abc") and writer.inner.getvalue() == b"abc"
    download.verifyHashes(hashes_of(b"abc"), hashes_of(b"abc"))


def test_downloads_from_threads_at_once(services):
    import concurrent.futures

    blobs = {"t%d" % i: os.urandom(300_000 + i) for i in range(6)}
    for name, data in blobs.items():
        services.add_object(name, data)
    obj = client("Object", services)

    def fetch(name):
        return bytes(download.downloadToBuf(name=name, objectService=obj)[0])

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        got = dict(zip(blobs, pool.map(fetch, blobs)))
    assert got == blobs


def test_unwritable_target_is_refused_before_sending(services, tmp_path):
    with pytest.raises(TaskclusterInputError) as info:
        download.downloadToFile(tmp_path / "no-such-dir" / "x", name="o",
                                objectService=client("Object", services))
    assert info.value.argument == "file" and services.server.requests == []
