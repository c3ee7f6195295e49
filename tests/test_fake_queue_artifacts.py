"""The fake queue's artifacts, driven without HTTP (tests/fake_queue_harness.py):
storage types s3, object, reference, link and error; redirects; listings;
what a worker's credentials allow.  The bytes go through the deployment's
own request handler (``FakeDeployment.handle``), as a client's would."""

from __future__ import annotations

import base64
import datetime
import json
from urllib.parse import urlsplit

import pytest
from fake_queue_harness import QueueHarness, check_pulse, jsdate

from taskcluster.fake import FakeError, Redirect


@pytest.fixture
def h():
    harness = QueueHarness()
    yield harness
    for message in harness.deployment.pulseMessages:
        check_pulse(message)


@pytest.fixture
def running(h):
    """A claimed task: (taskId, the worker's scopes for run 0)."""
    taskId = h.create()
    [claim] = h.claim()
    return taskId, json.loads(claim["credentials"]["certificate"])["scopes"]


def expires(h, **delta):
    return jsdate(h.now() + datetime.timedelta(**(delta or {"days": 1})))


def send(h, method, url, body=b"", headers=None):
    """A request to the deployment's own handler (as over HTTP, no socket)."""
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return h.deployment.handle(method, target, dict(headers or {}), body)


def art(taskId, name, runId="0"):
    return {"taskId": taskId, "runId": runId, "name": name}


def test_s3_artifact_round_trip_keeps_its_content_type(h, running):
    taskId, scopes = running
    answer = h.call("createArtifact", art(taskId, "public/log.txt"),
                    {"storageType": "s3", "contentType": "text/plain; charset=utf-8",
                     "expires": expires(h)}, scopes=scopes)
    assert answer["storageType"] == "s3" and answer["contentType"] == "text/plain; charset=utf-8"
    status, _, _ = send(h, "PUT", answer["putUrl"], b"hello log",
                        {"Content-Type": "text/plain; charset=utf-8"})
    assert status == 200
    redirect = h.call("getArtifact", art(taskId, "public/log.txt"))
    assert isinstance(redirect, Redirect) and redirect.status == 303
    assert redirect.body == {"storageType": "s3", "url": redirect.url}
    status, headers, body = send(h, "GET", redirect.url)
    assert (status, body) == (200, b"hello log")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    latest = h.call("getLatestArtifact", {"taskId": taskId, "name": "public/log.txt"})
    assert send(h, "GET", latest.url)[2] == b"hello log"
    content = h.call("artifact", art(taskId, "public/log.txt"))
    assert content["storageType"] == "s3" and send(h, "GET", content["url"])[2] == b"hello log"
    # s3 artifacts are announced by nobody at creation, as the queue does
    assert h.messages("artifact-created") == []


def test_object_artifact_goes_through_the_object_service(h, running):
    taskId, scopes = running
    answer = h.call("createArtifact", art(taskId, "public/data.bin"),
                    {"storageType": "object", "contentType": "application/octet-stream",
                     "expires": expires(h)}, scopes=scopes)
    assert answer["name"] == "t/%s/0/public/data.bin" % taskId
    assert answer["projectId"] == "none"
    upload_scopes = json.loads(answer["credentials"]["certificate"])["scopes"]
    assert upload_scopes == ["object:upload:none:%s" % answer["name"]]
    with pytest.raises(FakeError) as e:  # not uploaded yet
        h.call("getArtifact", art(taskId, "public/data.bin"))
    assert e.value.status == 404
    # the worker uploads with the credentials it was given
    h.deployment.call("object", "createUpload", {"name": answer["name"]}, {
        "projectId": "none", "uploadId": answer["uploadId"], "expires": answer["expires"],
        "proposedUploadMethods": {"dataInline": {
            "contentType": "application/octet-stream",
            "objectData": base64.b64encode(b"\x00\x01bytes").decode()}}},
        clientId=answer["credentials"]["clientId"], scopes=upload_scopes)
    h.deployment.call("object", "finishUpload", {"name": answer["name"]}, {
        "projectId": "none", "uploadId": answer["uploadId"]},
        clientId=answer["credentials"]["clientId"], scopes=upload_scopes)
    with pytest.raises(FakeError) as e:
        h.call("finishArtifact", art(taskId, "public/data.bin"), {"uploadId": "x" * 22},
               scopes=scopes)
    assert e.value.status == 400 and "uploadId" in e.value.message
    assert h.call("finishArtifact", art(taskId, "public/data.bin"),
                  {"uploadId": answer["uploadId"]}, scopes=scopes) is None
    [created] = h.messages("artifact-created")
    assert created["payload"]["artifact"]["storageType"] == "object"
    redirect = h.call("getArtifact", art(taskId, "public/data.bin"))
    assert redirect.body["storageType"] == "object"
    assert send(h, "GET", redirect.url)[2] == b"\x00\x01bytes"
    content = h.call("artifact", art(taskId, "public/data.bin"))
    assert content["name"] == answer["name"]
    assert json.loads(content["credentials"]["certificate"])["scopes"] == [
        "object:download:%s" % answer["name"]]


def test_reference_link_and_error_artifacts(h, running):
    taskId, scopes = running
    h.call("createArtifact", art(taskId, "public/ref"), {
        "storageType": "reference", "contentType": "text/html",
        "url": "https://example.com/x", "expires": expires(h)}, scopes=scopes)
    h.call("createArtifact", art(taskId, "public/link"), {
        "storageType": "link", "artifact": "public/ref", "expires": expires(h)}, scopes=scopes)
    h.call("createArtifact", art(taskId, "public/err"), {
        "storageType": "error", "reason": "file-missing-on-worker",
        "message": "no such file", "expires": expires(h)}, scopes=scopes)
    ref = h.call("getArtifact", art(taskId, "public/ref"))
    assert (ref.url, ref.body) == ("https://example.com/x",
                                   {"storageType": "reference", "url": "https://example.com/x"})
    linked = h.call("getArtifact", art(taskId, "public/link"))
    assert linked.url == "https://example.com/x"
    with pytest.raises(FakeError) as e:
        h.call("getArtifact", art(taskId, "public/err"))
    assert e.value.status == 424
    assert e.value.body()["reason"] == "file-missing-on-worker"
    assert e.value.message == "no such file"
    assert h.call("artifact", art(taskId, "public/err")) == {
        "storageType": "error", "reason": "file-missing-on-worker", "message": "no such file"}
    assert len(h.messages("artifact-created")) == 3
    # following a link needs the scope of every name on the way
    with pytest.raises(FakeError) as e:
        h.call("getArtifact", art(taskId, "public/link"),
               scopes=["queue:get-artifact:public/link"])
    assert e.value.status == 403
    assert h.call("getArtifact", art(taskId, "public/link"),
                  scopes=["queue:get-artifact:public/link", "queue:get-artifact:public/ref"])


def test_a_link_cycle_is_refused(h, running):
    taskId, scopes = running
    for name, target in [("public/a", "public/b"), ("public/b", "public/a")]:
        h.call("createArtifact", art(taskId, name), {
            "storageType": "link", "artifact": target, "expires": expires(h)}, scopes=scopes)
    with pytest.raises(FakeError) as e:
        h.call("getArtifact", art(taskId, "public/a"))
    assert e.value.status == 400 and "cycle" in e.value.message


def test_listing_artifacts_pages_and_info(h, running):
    taskId, scopes = running
    names = ["public/%d" % i for i in range(5)]
    for name in reversed(names):
        h.call("createArtifact", art(taskId, name), {
            "storageType": "reference", "contentType": "text/plain",
            "url": "https://example.com/" + name, "expires": expires(h)}, scopes=scopes)
    listed, token = [], None
    while True:
        query = {"limit": "2", **({"continuationToken": token} if token else {})}
        page = h.call("listArtifacts", {"taskId": taskId, "runId": "0"}, query=query)
        listed += [a["name"] for a in page["artifacts"]]
        token = page.get("continuationToken")
        if not token:
            break
    assert listed == names
    latest = h.call("listLatestArtifacts", {"taskId": taskId})
    assert [a["name"] for a in latest["artifacts"]] == names
    info = h.call("artifactInfo", art(taskId, "public/3"))
    assert info["name"] == "public/3" and info["contentType"] == "text/plain"
    assert h.call("latestArtifactInfo", {"taskId": taskId, "name": "public/3"}) == info
    with pytest.raises(FakeError) as e:
        h.call("listArtifacts", {"taskId": taskId, "runId": "4"})
    assert e.value.status == 404


def test_create_artifact_rules(h, running):
    taskId, scopes = running
    body = {"storageType": "reference", "contentType": "text/plain",
            "url": "https://example.com/1", "expires": expires(h)}
    h.call("createArtifact", art(taskId, "public/r"), body, scopes=scopes)
    # the same again, or a later expiry, or a new URL for a reference, are fine
    h.call("createArtifact", art(taskId, "public/r"), dict(body, url="https://example.com/2"),
           scopes=scopes)
    with pytest.raises(FakeError) as e:
        h.call("createArtifact", art(taskId, "public/r"), dict(body, contentType="text/html"),
               scopes=scopes)
    assert e.value.status == 409
    with pytest.raises(FakeError) as e:
        h.call("createArtifact", art(taskId, "public/late"),
               dict(body, expires=expires(h, days=800)), scopes=scopes)
    assert e.value.status == 400 and "task expiration" in e.value.message
    # only the run's own credentials create its artifacts
    with pytest.raises(FakeError) as e:
        h.call("createArtifact", art(taskId, "public/x"), body,
               scopes=["queue:create-artifact:%s/1" % taskId])
    assert e.value.status == 403
    # after completion, no more artifacts
    h.call("reportCompleted", {"taskId": taskId, "runId": "0"}, scopes=scopes)
    with pytest.raises(FakeError) as e:
        h.call("createArtifact", art(taskId, "public/after"), body, scopes=scopes)
    assert e.value.status == 409


def test_artifacts_of_a_run_resolved_exception_within_25_minutes(h, running):
    taskId, scopes = running
    h.call("reportException", {"taskId": taskId, "runId": "0"}, {"reason": "malformed-payload"},
           scopes=scopes)
    body = {"storageType": "error", "reason": "invalid-resource-on-worker", "message": "m",
            "expires": expires(h, days=2)}
    h.advance(24 * 60)
    h.call("createArtifact", art(taskId, "public/e1"), body, scopes=scopes)
    h.advance(2 * 60)
    with pytest.raises(FakeError) as e:
        h.call("createArtifact", art(taskId, "public/e2"), body, scopes=scopes)
    assert e.value.status == 409


def test_an_expired_artifact_is_gone(h, running):
    taskId, scopes = running
    h.call("createArtifact", art(taskId, "public/r"), {
        "storageType": "reference", "contentType": "text/plain",
        "url": "https://example.com/1", "expires": expires(h, minutes=30)}, scopes=scopes)
    h.advance(31 * 60)
    with pytest.raises(FakeError) as e:
        h.call("getArtifact", art(taskId, "public/r"))
    assert e.value.status == 410 and e.value.code == "ResourceExpired"


def test_no_runs_no_artifacts(h):
    taskId = h.create(dependencies=[h.create()])
    with pytest.raises(FakeError) as e:
        h.call("listLatestArtifacts", {"taskId": taskId})
    assert e.value.status == 404 and "runs" in e.value.message
