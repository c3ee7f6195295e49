"""The fake deployment's secrets, index, object, hooks, notify and
purge-cache services: every method called, every answer checked against its
output schema with jsonschema, and the behaviour tests rely on."""

from __future__ import annotations

import base64
import datetime
import hashlib

import pytest
import requests

import taskcluster
from fakecheck import Checked, check_message, check_output
from taskcluster.exceptions import TaskclusterAuthFailure, TaskclusterRestFailure


def opts(tc, credentials="root"):
    if credentials == "root":
        credentials = tc.rootCredentials
    return {"rootUrl": tc.rootUrl, "credentials": credentials, "maxRetries": 0}


def in_(tc, seconds):
    return taskcluster.stringDate(tc.now() + datetime.timedelta(seconds=seconds))


def failure(fn, *args, **kwargs) -> TaskclusterRestFailure:
    with pytest.raises(TaskclusterRestFailure) as e:
        fn(*args, **kwargs)
    return e.value


# -- secrets ------------------------------------------------------------------------

def test_every_secrets_method(taskcluster_fake):
    tc = taskcluster_fake
    s = Checked(taskcluster.Secrets(opts(tc)), "secrets")
    for name in ("ping", "lbheartbeat", "version", "heartbeat"):
        getattr(s, name)()
    s.set("project/a", {"secret": {"token": "t1"}, "expires": in_(tc, 3600)})
    s.set("project/b", {"secret": {}, "expires": in_(tc, 3600)})
    assert s.get("project/a")["secret"] == {"token": "t1"}
    assert s.list()["secrets"] == ["project/a", "project/b"]
    page = s.list(query={"limit": 1})
    assert page["secrets"] == ["project/a"] and page["continuationToken"]
    assert s.list(query={"continuationToken": page["continuationToken"]})["secrets"] == \
        ["project/b"]
    s.remove("project/a")
    s.remove("project/a")   # succeeds whether or not the secret exists
    assert failure(taskcluster.Secrets(opts(tc)).get, "project/a").status_code == 404
    assert s.missing() == ()


def test_a_secret_may_expire_two_seconds_ahead(taskcluster_fake):
    tc = taskcluster_fake
    s = taskcluster.Secrets(opts(tc))
    s.set("soon", {"secret": {"v": 1}, "expires": in_(tc, 2)})
    assert s.get("soon")["secret"] == {"v": 1}
    tc.advance(2)
    e = failure(s.get, "soon")
    assert (e.status_code, e.code) == (410, "ResourceExpired")
    assert s.list()["secrets"] == []


def test_a_secrets_value_is_left_out_of_error_answers(taskcluster_fake):
    tc = taskcluster_fake
    creds = tc.createClient("weak", [])
    e = failure(taskcluster.Secrets(opts(tc, creds)).set, "x",
                {"secret": {"password": "hunter2-very-secret"}, "expires": in_(tc, 60)})
    assert e.status_code == 403
    assert "hunter2-very-secret" not in str(e) + repr(e.body)
    assert e.body["requestInfo"]["params"] == {"name": "x"}


# -- index --------------------------------------------------------------------------

def test_every_index_method(taskcluster_fake):
    tc = taskcluster_fake
    ix = Checked(taskcluster.Index(opts(tc)), "index")
    for name in ("ping", "lbheartbeat", "version", "heartbeat"):
        getattr(ix, name)()
    t1, t2 = taskcluster.slugId(), taskcluster.slugId()
    ix.insertTask("proj.app.latest", {"taskId": t1, "rank": 5, "data": {"k": 1},
                                      "expires": in_(tc, 3600)})
    # a lower rank does not replace: 200 with the entry that stays
    kept = ix.insertTask("proj.app.latest", {"taskId": t2, "rank": 4, "data": {},
                                             "expires": in_(tc, 3600)})
    assert kept["taskId"] == t1
    ix.insertTask("proj.app.latest", {"taskId": t2, "rank": 5, "data": {},
                                      "expires": in_(tc, 3600)})
    ix.insertTask("proj.other.x", {"taskId": t1, "rank": 0, "data": {},
                                   "expires": in_(tc, 3600)})
    assert ix.findTask("proj.app.latest")["taskId"] == t2
    assert [n["name"] for n in ix.listNamespaces("proj")["namespaces"]] == ["app", "other"]
    assert [n["namespace"] for n in ix.listNamespaces("")["namespaces"]] == ["proj"]
    assert [t["namespace"] for t in ix.listTasks("proj.app")["tasks"]] == ["proj.app.latest"]
    found = ix.findTasksAtIndex({"indexes": ["proj.app.latest", "proj.none"]})
    assert [t["taskId"] for t in found["tasks"]] == [t2]
    answer = requests.get(taskcluster.Index(opts(tc)).buildSignedUrl(
        "findArtifactFromTask", "proj.app.latest", "private/build.tar"), allow_redirects=False,
        timeout=30)
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert location.startswith(tc.rootUrl + "/api/queue/v1/task/%s/artifacts/private%%2Fbuild.tar"
                               % t2)
    assert "bewit=" in location and answer.json() == {"url": location}
    ix.called.add("findArtifactFromTask")
    ix.deleteTask("proj.app.latest")
    assert failure(taskcluster.Index(opts(tc)).findTask, "proj.app.latest").status_code == 404
    assert ix.missing() == ()


def test_a_public_artifact_redirects_without_a_signature(taskcluster_fake):
    tc = taskcluster_fake
    ix = taskcluster.Index(opts(tc))
    tid = taskcluster.slugId()
    ix.insertTask("a.b", {"taskId": tid, "rank": 0, "data": {}, "expires": in_(tc, 60)})
    answer = requests.get(ix.buildSignedUrl("findArtifactFromTask", "a.b", "public/x.log"),
                          allow_redirects=False, timeout=30)
    assert answer.headers["Location"] == \
        tc.rootUrl + "/api/queue/v1/task/%s/artifacts/public%%2Fx.log" % tid


def test_index_entries_expire_by_the_deployments_clock(taskcluster_fake):
    tc = taskcluster_fake
    ix = taskcluster.Index(opts(tc))
    ix.insertTask("a.b", {"taskId": taskcluster.slugId(), "rank": 0, "data": {},
                          "expires": in_(tc, 60)})
    tc.advance(61)
    assert failure(ix.findTask, "a.b").status_code == 404
    assert ix.listNamespaces("")["namespaces"] == []


def test_find_tasks_at_index_checks_a_scope_per_path(taskcluster_fake):
    tc = taskcluster_fake
    me = taskcluster.Index(opts(tc, tc.createClient("c", ["index:find-task:a.*"])))
    me.findTasksAtIndex({"indexes": ["a.x"]})
    e = failure(me.findTasksAtIndex, {"indexes": ["a.x", "b.y"]})
    assert e.status_code == 403 and e.missingScopes == "index:find-task:b.y"


# -- object -------------------------------------------------------------------------

def test_every_object_method(taskcluster_fake):
    tc = taskcluster_fake
    ob = Checked(taskcluster.Object(opts(tc)), "object")
    for name in ("ping", "lbheartbeat", "version", "heartbeat"):
        getattr(ob, name)()
    data = b"inline bytes"
    sha256 = hashlib.sha256(data).hexdigest()
    uploadId = taskcluster.slugId()
    made = ob.createUpload("small", {
        "projectId": "p", "uploadId": uploadId, "expires": in_(tc, 3600),
        "hashes": {"sha256": sha256},
        "proposedUploadMethods": {"dataInline": {"contentType": "text/x-test",
                                                 "objectData": base64.b64encode(data).decode()}}})
    assert made["uploadMethod"] == {"dataInline": True}
    ob.finishUpload("small", {"projectId": "p", "uploadId": uploadId,
                              "hashes": {"sha256": sha256}})
    assert ob.object("small")["hashes"] == {"sha256": sha256}
    got = ob.startDownload("small", {"acceptDownloadMethods": {"getUrl": True}})
    answer = requests.get(got["url"], timeout=30)
    assert (answer.content, answer.headers["Content-Type"]) == (data, "text/x-test")
    simple = ob.startDownload("small", {"acceptDownloadMethods": {"simple": True}})
    assert requests.get(simple["url"], timeout=30).content == data
    redirect = requests.get(taskcluster.Object(opts(tc)).buildSignedUrl("download", "small"),
                            allow_redirects=False, timeout=30)
    assert redirect.status_code == 303
    assert requests.get(redirect.headers["Location"], timeout=30).content == data
    ob.called.add("download")
    assert ob.missing() == ()


def test_an_object_goes_up_by_put_url_and_comes_back_with_its_content_type(taskcluster_fake):
    tc = taskcluster_fake
    ob = taskcluster.Object(opts(tc))
    data = bytes(range(256)) * 4096
    taskcluster.upload.uploadFromBuf(
        projectId="p", name="big/one", contentType="application/x-big",
        contentLength=len(data), expires=taskcluster.fromNow("1 hour"),
        uploadId=taskcluster.slugId(), data=data, objectService=ob)
    back, contentType = taskcluster.download.downloadToBuf(name="big/one", objectService=ob)
    assert (back, contentType) == (data, "application/x-big")
    assert check_output("object", "object", ob.object("big/one"))["hashes"]["sha512"] == \
        hashlib.sha512(data).hexdigest()


def test_an_unfinished_object_is_not_there_and_a_storage_url_checks_its_signature(
        taskcluster_fake):
    tc = taskcluster_fake
    ob = taskcluster.Object(opts(tc))
    made = ob.createUpload("o", {"projectId": "p", "uploadId": taskcluster.slugId(),
                                 "expires": in_(tc, 60),
                                 "proposedUploadMethods": {"putUrl": {
                                     "contentType": "text/plain", "contentLength": 2}}})
    put = made["uploadMethod"]["putUrl"]
    assert failure(ob.object, "o").status_code == 404
    forged = put["url"].replace("signature=", "signature=0")
    assert requests.put(forged, data=b"hi", headers=put["headers"], timeout=30).status_code == 403
    tc.advance(2 * 3600)
    assert requests.put(put["url"], data=b"hi", headers=put["headers"],
                        timeout=30).status_code == 403


def test_a_second_upload_of_an_object_is_409(taskcluster_fake):
    tc = taskcluster_fake
    ob = taskcluster.Object(opts(tc))
    body = {"projectId": "p", "expires": in_(tc, 60), "proposedUploadMethods": {}}
    ob.createUpload("o", dict(body, uploadId=taskcluster.slugId()))
    e = failure(ob.createUpload, "o", dict(body, uploadId=taskcluster.slugId()))
    assert (e.status_code, e.code) == (409, "RequestConflict")


# -- hooks --------------------------------------------------------------------------

HOOK = {
    "metadata": {"name": "n", "description": "d", "owner": "me@example.com",
                 "emailOnError": False},
    "triggerSchema": {"type": "object", "properties": {"go": {"type": "boolean"}},
                      "additionalProperties": False},
    "task": {"$if": "'go' in payload && payload.go",
             "then": {"provisionerId": "prov", "workerType": "wt",
                      "payload": {"firedBy": "${firedBy}"},
                      "metadata": {"name": "hooked", "description": "d",
                                   "owner": "me@example.com", "source": "https://example.com"}}},
}


def test_every_hooks_method(taskcluster_fake):
    tc = taskcluster_fake
    h = Checked(taskcluster.Hooks(opts(tc)), "hooks")
    for name in ("ping", "lbheartbeat", "version", "heartbeat"):
        getattr(h, name)()
    made = h.createHook("group", "hook/1", HOOK)
    assert (made["hookGroupId"], made["hookId"], made["schedule"]) == ("group", "hook/1", [])
    assert h.createHook("group", "hook/1", HOOK) == made   # identical: no conflict
    h.updateHook("group", "hook/1", dict(HOOK, schedule=["0 0 * * * *"]))
    assert h.hook("group", "hook/1")["schedule"] == ["0 0 * * * *"]
    assert h.listHookGroups()["groups"] == ["group"]
    assert [x["hookId"] for x in h.listHooks("group")["hooks"]] == ["hook/1"]
    assert h.getHookStatus("group", "hook/1")["lastFire"] == {"result": "no-fire"}
    # the template declines (renders to null): the answer is {}
    assert h.triggerHook("group", "hook/1", {}) == {}
    token = h.getTriggerToken("group", "hook/1")["token"]
    assert h.triggerHookWithToken("group", "hook/1", token, {"go": False}) == {}
    fresh = h.resetTriggerToken("group", "hook/1")["token"]
    assert fresh != token
    with pytest.raises(TaskclusterAuthFailure) as e:
        taskcluster.Hooks(opts(tc, None)).triggerHookWithToken("group", "hook/1", token, {})
    assert (e.value.status_code, e.value.code) == (401, "AuthenticationFailed")
    assert h.listLastFires("group", "hook/1")["lastFires"] == []
    h.removeHook("group", "hook/1")
    assert failure(taskcluster.Hooks(opts(tc)).hook, "group", "hook/1").status_code == 404
    assert h.missing() == ()
    assert [m["exchange"].rsplit("/", 1)[1] for m in tc.pulseMessages] == \
        ["hook-created", "hook-updated", "hook-deleted"]
    for m in tc.pulseMessages:
        assert (m["routingKey"], m["CC"]) == ("_", [])
        check_message("HooksEvents", m["exchange"].rsplit("/", 1)[1], m["payload"])


def test_a_trigger_payload_failing_the_trigger_schema_is_400(taskcluster_fake):
    tc = taskcluster_fake
    h = taskcluster.Hooks(opts(tc))
    h.createHook("g", "h", HOOK)
    e = failure(h.triggerHook, "g", "h", {"go": "yes"})
    assert (e.status_code, e.code) == (400, "InputError")
    assert "triggerSchema" in str(e)


def test_creating_a_hook_needs_its_role(taskcluster_fake):
    tc = taskcluster_fake
    me = taskcluster.Hooks(opts(tc, tc.createClient("c", ["hooks:modify-hook:g/*"])))
    e = failure(me.createHook, "g", "h", HOOK)
    assert e.status_code == 403 and e.missingScopes == "assume:hook-id:g/h"


def test_a_template_error_is_400_and_recorded_as_a_failed_fire(taskcluster_fake):
    tc = taskcluster_fake
    h = taskcluster.Hooks(opts(tc))
    h.createHook("g", "h", dict(HOOK, triggerSchema={"type": "object"},
                                task={"x": {"$eval": "payload.missing"}}))
    e = failure(h.triggerHook, "g", "h", {})
    assert (e.status_code, e.code) == (400, "InputError")
    fires = check_output("hooks", "listLastFires", h.listLastFires("g", "h"))["lastFires"]
    assert [(f["result"], f["firedBy"]) for f in fires] == [("error", "triggerHook")]
    assert h.getHookStatus("g", "h")["lastFire"]["result"] == "error"


def test_a_triggered_hook_creates_its_task_with_the_hooks_role(taskcluster_fake):
    tc = taskcluster_fake
    auth = taskcluster.Auth(opts(tc))
    h = taskcluster.Hooks(opts(tc))
    h.createHook("g", "h", HOOK)
    e = failure(h.triggerHook, "g", "h", {"go": True})
    assert (e.status_code, e.code) == (403, "InsufficientScopes")
    assert "hook-id:g/h" in str(e)
    auth.createRole("hook-id:g/h", {"scopes": ["queue:create-task:*", "queue:scheduler-id:-"],
                                    "description": ""})
    answer = check_output("hooks", "triggerHook", h.triggerHook("g", "h", {"go": True}))
    task = taskcluster.Queue(opts(tc)).task(answer["taskId"])
    assert task["payload"] == {"firedBy": "triggerHook"}
    assert task["taskGroupId"] == answer["taskId"]
    fires = h.listLastFires("g", "h")["lastFires"]
    assert fires[0]["result"] == "success" and fires[0]["taskState"] == "pending"


# -- notify -------------------------------------------------------------------------

def test_every_notify_method(taskcluster_fake):
    tc = taskcluster_fake
    n = Checked(taskcluster.Notify(opts(tc)), "notify")
    for name in ("ping", "lbheartbeat", "version", "heartbeat"):
        getattr(n, name)()
    n.email({"address": "a@example.com", "subject": "s", "content": "c"})
    n.pulse({"routingKey": "project.done", "message": {"ok": True}})
    n.matrix({"roomId": "!room:example.com", "body": "b"})
    n.slack({"channelId": "C123", "text": "t"})
    n.addDenylistAddress({"notificationType": "email", "notificationAddress": "x@example.com"})
    assert n.listDenylist()["addresses"] == [{"notificationType": "email",
                                              "notificationAddress": "x@example.com"}]
    e = failure(taskcluster.Notify(opts(tc)).email,
                {"address": "x@example.com", "subject": "s", "content": "c"})
    assert (e.status_code, e.code) == (400, "DenylistedAddress")
    n.deleteDenylistAddress({"notificationType": "email",
                             "notificationAddress": "x@example.com"})
    assert n.listDenylist()["addresses"] == []
    assert [x["method"] for x in tc.notifications] == ["email", "pulse", "matrix", "slack"]
    assert tc.notifications[0]["payload"]["address"] == "a@example.com"
    [message] = tc.pulseMessages
    assert message == {"exchange": "exchange/taskcluster-notify/v1/notification",
                       "routingKey": "primary.project.done", "payload": {"message": {"ok": True}},
                       "CC": ["route.project.done"]}
    check_message("NotifyEvents", "notification", message["payload"])
    assert n.missing() == ()


def test_notify_checks_the_address_scope(taskcluster_fake):
    tc = taskcluster_fake
    me = taskcluster.Notify(opts(tc, tc.createClient("c", ["notify:email:a@example.com"])))
    me.email({"address": "a@example.com", "subject": "s", "content": "c"})
    e = failure(me.email, {"address": "a@example.org", "subject": "s", "content": "c"})
    assert e.status_code == 403 and e.missingScopes == "notify:email:a@example.org"
    assert len(tc.notifications) == 1


# -- purge-cache --------------------------------------------------------------------

def test_every_purge_cache_method(taskcluster_fake):
    tc = taskcluster_fake
    p = Checked(taskcluster.PurgeCache(opts(tc)), "purge-cache")
    for name in ("ping", "lbheartbeat", "version", "heartbeat"):
        getattr(p, name)()
    p.purgeCache("prov/wt", {"cacheName": "checkouts"})
    p.purgeCache("prov/other", {"cacheName": "c"})
    everything = p.allPurgeRequests()["requests"]
    assert [(r["workerType"], r["cacheName"]) for r in everything] == \
        [("other", "c"), ("wt", "checkouts")]
    mine = p.purgeRequests("prov/wt")["requests"]
    assert [(r["provisionerId"], r["workerType"], r["cacheName"]) for r in mine] == \
        [("prov", "wt", "checkouts")]
    later = in_(tc, 60)
    assert p.purgeRequests("prov/wt", query={"since": later})["requests"] == []
    assert [r["cacheName"] for r in tc.purgeCacheRequests] == ["checkouts", "c"]
    tc.advance(25 * 3600)   # a request is kept one day
    assert p.allPurgeRequests()["requests"] == []
    assert p.missing() == ()


def test_purging_needs_the_cache_scope(taskcluster_fake):
    tc = taskcluster_fake
    me = taskcluster.PurgeCache(opts(tc, tc.createClient("c", ["purge-cache:prov/wt:a"])))
    me.purgeCache("prov/wt", {"cacheName": "a"})
    e = failure(me.purgeCache, "prov/wt", {"cacheName": "b"})
    assert e.status_code == 403 and e.missingScopes == "purge-cache:prov/wt:b"


def test_the_aio_transfer_helpers_upload_and_download_through_the_fake(taskcluster_fake):
    import asyncio

    import taskcluster.aio
    import taskcluster.aio.download
    import taskcluster.aio.upload

    tc = taskcluster_fake
    data = b"async bytes " * 50000

    async def main():
        async with taskcluster.aio.createSession() as session:
            ob = taskcluster.aio.Object(opts(tc), session=session)
            await taskcluster.aio.upload.uploadFromBuf(
                projectId="p", name="aio/one", contentType="application/x-aio",
                contentLength=len(data), expires=taskcluster.fromNow("1 hour"),
                uploadId=taskcluster.slugId(), data=data, objectService=ob)
            got = await taskcluster.aio.download.downloadToBuf(name="aio/one",
                                                               objectService=ob)
            return got, await ob.object("aio/one")
    (back, contentType), meta = asyncio.run(main())
    assert (back, contentType) == (data, "application/x-aio")
    assert check_output("object", "object", meta)["hashes"]["sha256"] == \
        hashlib.sha256(data).hexdigest()
