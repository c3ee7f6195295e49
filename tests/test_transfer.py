"""The transfer protocol core (taskcluster._transfer): pure functions, no I/O."""

import base64
import datetime
import hashlib
import pickle

import pytest

import taskcluster
from taskcluster import _transfer as t
from taskcluster.exceptions import TaskclusterFailure

UTC = datetime.timezone.utc


def test_propose_upload_inline_up_to_the_limit():
    data = bytes(range(256)) * 32
    assert len(data) == t.DATA_INLINE_MAX_SIZE
    proposed = t.propose_upload("text/plain", len(data), data)
    assert base64.b64decode(proposed["dataInline"]["objectData"]) == data
    assert proposed["dataInline"]["contentType"] == "text/plain"
    assert proposed["putUrl"] == {"contentType": "text/plain", "contentLength": len(data)}
    # the schema's limit on the encoded form holds at the boundary
    assert len(proposed["dataInline"]["objectData"]) <= 10926


def test_propose_upload_too_big_or_unread_is_put_url_only():
    assert list(t.propose_upload("a/b", 8193, b"x" * 8193)) == ["putUrl"]
    assert list(t.propose_upload("a/b", 10, None)) == ["putUrl"]


def test_create_upload_request_sends_dates_as_json_dates():
    when = datetime.datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    body = t.create_upload_request("proj", "u" * 22, when, {"putUrl": {}})
    assert body == {"projectId": "proj", "uploadId": "u" * 22,
                    "expires": taskcluster.stringDate(when), "proposedUploadMethods": {"putUrl": {}}}
    assert body["expires"] == "2030-01-02T03:04:05.678000Z"   # as the package writes it
    assert t.create_upload_request("p", "u", "2030-01-01T00:00:00.000Z", {})["expires"] == \
        "2030-01-01T00:00:00.000Z"


def test_upload_method():
    assert t.upload_method({"uploadMethod": {"dataInline": True}}).name == "dataInline"
    put = t.upload_method({"uploadMethod": {"putUrl": {
        "url": "http://s3/x", "expires": "2030-01-01T00:00:00Z", "headers": {"A": "b"}}}})
    assert (put.name, put.url, put.headers) == ("putUrl", "http://s3/x", {"A": "b"})
    with pytest.raises(TaskclusterFailure, match="accepted none of the proposed"):
        t.upload_method({"uploadMethod": {}})


def test_put_headers_one_content_length():
    method = t.UploadMethod("putUrl", "http://s3/x", {"content-length": "5", "Content-Type": "x/y"})
    assert t.put_headers(method, 5) == {"Content-Type": "x/y", "Content-Length": "5"}
    with pytest.raises(TaskclusterFailure, match="Content-Length 6"):
        t.put_headers(t.UploadMethod("putUrl", "u", {"Content-Length": "6"}), 5)


def test_download_plans():
    plan = t.download_plan({"method": "getUrl", "url": "http://s3/x", "expires": "e",
                            "hashes": {"sha256": "a"}})
    assert (plan.method, plan.hashes, plan.follow_redirects) == ("getUrl", {"sha256": "a"}, False)
    plan = t.download_plan({"method": "simple", "url": "http://s3/x"})
    assert (plan.method, plan.hashes, plan.follow_redirects) == ("simple", None, True)
    with pytest.raises(TaskclusterFailure, match="'carrier-pigeon'"):
        t.download_plan({"method": "carrier-pigeon"})
    assert t.start_download_request() == {"acceptDownloadMethods": {"getUrl": True,
                                                                    "simple": True}}


def test_url_expired():
    now = datetime.datetime(2030, 1, 1, 12, tzinfo=UTC)
    assert not t.url_expired("2030-01-01T12:00:01.000Z", now)
    assert t.url_expired("2030-01-01T11:59:59.000Z", now)
    assert t.url_expired(None, now) and t.url_expired("soon", now)


def test_artifact_sources():
    assert t.artifact_source({"storageType": "s3", "url": "u"}) == t.ArtifactSource("s3", url="u")
    assert t.artifact_source({"storageType": "reference", "url": "u"}).url == "u"
    creds = {"clientId": "c", "accessToken": "a"}
    src = t.artifact_source({"storageType": "object", "name": "n", "credentials": creds})
    assert (src.name, src.credentials) == ("n", creds)
    with pytest.raises(TaskclusterFailure, match="storageType 'link'"):
        t.artifact_source({"storageType": "link"})


def test_error_artifact_raises_with_reason_and_pickles():
    with pytest.raises(t.TaskclusterArtifactError) as info:
        t.artifact_source({"storageType": "error", "reason": "file-missing-on-worker",
                           "message": "no such file"})
    e = info.value
    assert e.reason == "file-missing-on-worker" and "no such file" in str(e)
    assert isinstance(e, TaskclusterFailure)
    again = pickle.loads(pickle.dumps(e))
    assert (type(again), again.reason, str(again)) == (type(e), e.reason, str(e))


def test_task_id_from_location():
    tid = "fN1SbArXTPSVFNUvaOlinQ"
    assert t.task_id_from_location(
        "https://tc.example.com/api/queue/v1/task/%s/artifacts/public%%2Flog.txt?bewit=x" % tid) == tid
    assert t.task_id_from_location(
        "https://tc.example.com/api/queue/v1/task/%s/runs/2/artifacts/a" % tid) == tid
    assert t.task_id_from_location("https://s3.example.com/bucket/%s/artifacts/a" % tid) is None


def test_hasher_matches_hashlib():
    h = t.Hasher()
    for chunk in (b"abc", memoryview(b"def"), b""):
        h.update(chunk)
    assert h.length == 6
    assert h.hashes() == {"sha256": hashlib.sha256(b"abcdef").hexdigest(),
                          "sha512": hashlib.sha512(b"abcdef").hexdigest()}


def test_verify_hashes():
    h = t.Hasher()
    h.update(b"data")
    observed = h.hashes()
    t.verifyHashes(observed, observed)
    t.verifyHashes(observed, {"sha512": observed["sha512"], "md5": "ignored"})
    with pytest.raises(t.ObjectHashVerificationError, match="sha256"):
        t.verifyHashes(observed, dict(observed, sha256="0" * 64))
    with pytest.raises(t.ObjectHashVerificationError, match="no hash this client can check"):
        t.verifyHashes(observed, {"md5": "x"})
    assert t.ACCEPTABLE_HASHES == {"sha256", "sha512"}


def test_retry_policy_follows_the_client():
    queue = taskcluster.Queue({"rootUrl": "https://tc.example.com", "maxRetries": 2,
                               "delayFactor": 0.5, "maxDelay": 3})
    policy = t.RetryPolicy.of(queue)
    assert (policy.maxRetries, policy.delayFactor, policy.maxDelay) == (2, 0.5, 3)
    assert t.RetryPolicy.of(queue, maxRetries=7).maxRetries == 7
    assert t.RetryPolicy.of(None) == t.RetryPolicy()
    half = lambda: 0.5  # noqa: E731 (the jitter's midpoint: no randomization)
    assert policy.delay(1, half) == 1.0 and policy.delay(2, half) == 2.0
    assert policy.delay(3, half) is None


def test_status_and_lengths():
    assert t.is_retriable_status(503) and not t.is_retriable_status(403)
    assert t.length_problem(None, 5) is None and t.length_problem("5", 5) is None
    assert t.length_problem("9", 5) == "received 5 bytes, but Content-Length is 9"
    assert t.content_type("text/plain; charset=utf-8") == "text/plain"
    assert t.content_type(None) == "application/octet-stream"


def test_redact_drops_signatures():
    url = "http://127.0.0.1:9/b/k?X-Amz-Signature=secret&bewit=secret"
    assert t.redact(url) == "http://127.0.0.1:9/b/k"
    assert "secret" not in t.redact("http://user:secret@host/p")


def test_argument_checks_name_the_argument():
    queue = taskcluster.Queue({"rootUrl": "https://tc.example.com"})
    t.check_download_args("downloadArtifact", lambda: None, None, queue, "queueService", "Queue",
                          ("artifact", "latestArtifact"))
    cases = [
        (lambda: t.check_upload_args("upload", 1.5, lambda: None, None, None), "contentLength"),
        (lambda: t.check_upload_args("upload", 1, None, None, None), "readerFactory"),
        (lambda: t.check_upload_args("upload", 1, lambda: None, queue, None), "objectService"),
        (lambda: t.check_download_args("download", lambda: None, "x", None), "progress"),
        (lambda: t.check_download_args("downloadArtifact", lambda: None, None, None,
                                       "queueService", "Queue", ("artifact",)), "queueService"),
    ]
    for check, argument in cases:
        with pytest.raises(taskcluster.TaskclusterInputError) as info:
            check()
        assert info.value.argument == argument and argument in str(info.value)
