"""The fake deployment's authentication and authorization, as a real
deployment's: Hawk headers, bewits, temporary credentials, authorizedScopes,
roles, 401s and 403s that say what was refused and why; and every method
of the auth service, its answers checked against their output schemas."""

from __future__ import annotations

import datetime
import time

import pytest
import requests

import taskcluster
from fakecheck import Checked, check_output
from taskcluster import _hawk
from taskcluster.exceptions import TaskclusterAuthFailure, TaskclusterRestFailure

FAR = "3000-01-01T00:00:00.000Z"


def options(tc, credentials=None, **extra):
    return dict({"rootUrl": tc.rootUrl, "credentials": credentials, "maxRetries": 0}, **extra)


def auth_as(tc, credentials=None, **extra):
    return taskcluster.Auth(options(tc, credentials, **extra))


@pytest.fixture
def root(taskcluster_fake):
    return auth_as(taskcluster_fake, taskcluster_fake.rootCredentials)


def make_client(tc, clientId, scopes):
    return tc.createClient(clientId, scopes)


# -- every method ---------------------------------------------------------------

def test_every_auth_method_answers_as_its_schema_says(taskcluster_fake):
    tc = taskcluster_fake
    a = Checked(auth_as(tc, tc.rootCredentials), "auth")
    a.ping()
    a.lbheartbeat()
    a.version()
    a.heartbeat()
    made = a.createClient("project/x", {"expires": FAR, "description": "x",
                                        "scopes": ["assume:project:x"]})
    assert made["accessToken"] and made["expandedScopes"] == ["assume:project:x"]
    assert a.client("project/x")["clientId"] == "project/x"
    assert [c["clientId"] for c in a.listClients(query={"prefix": "project/"})["clients"]] == \
        ["project/x"]
    a.updateClient("project/x", {"expires": FAR, "description": "y",
                                 "scopes": ["assume:project:x", "secrets:get:x"]})
    assert a.disableClient("project/x")["disabled"] is True
    assert a.enableClient("project/x")["disabled"] is False
    rotated = a.resetAccessToken("project/x")
    assert rotated["accessToken"] != made["accessToken"]
    history = a.listAuditHistory(tc.rootCredentials["clientId"])["auditHistory"]
    assert {h["actionType"] for h in history} >= {"created", "updated", "disabled"}
    assert a.getEntityHistory("client", "project/x")["auditHistory"]
    role = a.createRole("project:x", {"scopes": ["secrets:get:project/x/*"],
                                      "description": "r"})
    assert role["expandedScopes"] == ["secrets:get:project/x/*"]
    a.updateRole("project:x", {"scopes": ["secrets:get:project/x/*", "index:insert-task:x.*"],
                               "description": "r2"})
    assert a.role("project:x")["description"] == "r2"
    assert [r["roleId"] for r in a.listRoles()] == ["project:x"]
    assert [r["roleId"] for r in a.listRoles2()["roles"]] == ["project:x"]
    assert a.listRoleIds()["roleIds"] == ["project:x"]
    assert "secrets:get:project/x/*" in a.client("project/x")["expandedScopes"]
    assert a.expandScopes({"scopes": ["assume:project:x"]})["scopes"] == [
        "assume:project:x", "index:insert-task:x.*", "secrets:get:project/x/*"]
    assert a.currentScopes()["scopes"] == ["*"]
    a.awsS3Credentials("read-only", "bucket", "prefix/")
    a.awsS3Credentials("read-write", "bucket", "prefix/")
    accounts = a.azureAccounts()["accounts"]
    a.azureTables(accounts[0])
    a.azureTableSAS(accounts[0], "faketable", "read-only")
    a.azureContainers(accounts[0])
    a.azureContainerSAS(accounts[0], "fakecontainer", "read-write")
    a.sentryDSN("my-project")
    a.websocktunnelToken("audience", "client-1")
    a.gcpCredentials("project-1", "account@project-1.iam.gserviceaccount.com")
    a.githubRepoToken("app", "org", {"repositories": ["repo"],
                                      "permissions": {"contents": "read"}})
    url = tc.rootUrl + "/api/auth/v1/scopes/current"
    header = _hawk.authorization_header("GET", url, tc.rootCredentials["clientId"],
                                        tc.rootCredentials["accessToken"])
    port = str(int(tc.rootUrl.rsplit(":", 1)[1]))
    answer = a.authenticateHawk({"method": "get", "resource": "/api/auth/v1/scopes/current",
                                 "host": "127.0.0.1", "port": int(port),
                                 "authorization": header})
    assert (answer["status"], answer["clientId"], answer["scopes"]) == \
        ("auth-success", tc.rootCredentials["clientId"], ["*"])
    assert a.authenticateHawk({"method": "get", "resource": "/", "host": "127.0.0.1",
                               "port": 1})["status"] == "no-auth"
    failed = a.authenticateHawk({"method": "get", "resource": "/x", "host": "127.0.0.1",
                                 "port": int(port), "authorization": header})
    assert failed == {"status": "auth-failed", "message": "Unauthorized: Bad mac"}
    tester = Checked(auth_as(tc, {"clientId": "tester", "accessToken": "no-secret"}), "auth")
    assert tester.testAuthenticate({"clientScopes": ["test:a*"],
                                    "requiredScopes": ["test:ab"]})["clientId"] == "tester"
    assert "test:*" in tester.testAuthenticateGet()["scopes"]
    a.called |= tester.called
    a.deleteRole("project:x")
    a.deleteClient("project/x")
    with pytest.raises(TaskclusterRestFailure) as e:
        auth_as(tc, tc.rootCredentials).client("project/x")
    assert e.value.status_code == 404
    assert a.missing() == ()


def test_static_clients_are_listed_and_cannot_be_changed(root):
    clients = [c["clientId"] for c in root.listClients()["clients"]]
    assert "static/taskcluster/root" in clients
    check_output("auth", "client", root.client("static/taskcluster/root"))
    with pytest.raises(TaskclusterRestFailure) as e:
        root.createClient("static/mine", {"expires": FAR, "description": "d"})
    assert (e.value.status_code, e.value.code) == (400, "InputError")
    assert "static/" in str(e.value)


def test_listings_paginate(root):
    for i in range(5):
        root.createRole("r%d" % i, {"scopes": [], "description": ""})
    seen, token, pages = [], None, 0
    while True:
        query = {"limit": 2}
        if token:
            query["continuationToken"] = token
        answer = check_output("auth", "listRoleIds", root.listRoleIds(query=query))
        seen += answer["roleIds"]
        pages += 1
        token = answer.get("continuationToken")
        if not token:
            break
    assert (seen, pages) == (["r0", "r1", "r2", "r3", "r4"], 3)


def test_a_conflicting_client_or_role_is_409_and_an_identical_role_is_fine(root):
    root.createClient("c", {"expires": FAR, "description": "d"})
    with pytest.raises(TaskclusterRestFailure) as e:
        root.createClient("c", {"expires": FAR, "description": "d"})
    assert (e.value.status_code, e.value.code) == (409, "RequestConflict")
    root.createRole("r", {"scopes": ["a"], "description": "d"})
    root.createRole("r", {"scopes": ["a"], "description": "d"})
    with pytest.raises(TaskclusterRestFailure) as e:
        root.createRole("r", {"scopes": ["b"], "description": "d"})
    assert e.value.status_code == 409


def test_a_role_cycle_that_never_ends_is_refused(root):
    with pytest.raises(TaskclusterRestFailure) as e:
        root.createRole("grow*", {"scopes": ["assume:grow<..>x"], "description": ""})
    assert (e.value.status_code, e.value.code) == (400, "InputError")
    assert "DependencyCycleError" in str(e.value)
    with pytest.raises(TaskclusterRestFailure):
        root.role("grow*")


# -- authentication ---------------------------------------------------------------

def test_a_wrong_access_token_is_401_bad_mac_and_the_token_is_not_echoed(taskcluster_fake):
    tc = taskcluster_fake
    make_client(tc, "c1", ["auth:current-scopes"])
    wrong = "wrong-token-0123456789abcdefghij"
    with pytest.raises(TaskclusterAuthFailure) as e:
        auth_as(tc, {"clientId": "c1", "accessToken": wrong}).currentScopes()
    assert (e.value.status_code, e.value.code) == (401, "AuthenticationFailed")
    assert "Bad mac" in str(e.value)
    assert wrong not in str(e.value) and wrong not in repr(e.value.body)


def test_an_unknown_client_is_401(taskcluster_fake):
    with pytest.raises(TaskclusterAuthFailure) as e:
        auth_as(taskcluster_fake, {"clientId": "nobody", "accessToken": "x" * 22}).currentScopes()
    assert "Client with clientId 'nobody' not found" in str(e.value)


def test_a_disabled_or_deleted_client_is_401(taskcluster_fake, root):
    creds = make_client(taskcluster_fake, "c2", ["auth:current-scopes"])
    me = auth_as(taskcluster_fake, creds)
    me.currentScopes()
    root.disableClient("c2")
    with pytest.raises(TaskclusterAuthFailure) as e:
        me.currentScopes()
    assert "disabled" in str(e.value)
    root.deleteClient("c2")
    with pytest.raises(TaskclusterAuthFailure) as e:
        me.currentScopes()
    assert "not found" in str(e.value)


def test_an_expired_client_is_401_by_the_deployments_clock(taskcluster_fake):
    tc = taskcluster_fake
    expires = tc.now() + datetime.timedelta(hours=1)
    me = auth_as(tc, tc.createClient("c3", ["auth:current-scopes"], expires=expires))
    me.currentScopes()
    tc.advance(2 * 3600)
    with pytest.raises(TaskclusterAuthFailure) as e:
        me.currentScopes()
    assert "expired" in str(e.value)


def _signed_at(tc, path, ts):
    url = tc.rootUrl + path
    header = _hawk.authorization_header("GET", url, tc.rootCredentials["clientId"],
                                        tc.rootCredentials["accessToken"],
                                        clock=lambda: ts)
    return requests.get(url, headers={"Authorization": header}, timeout=30)


def test_the_hawk_timestamp_may_be_15_minutes_off_the_wall_clock_and_no_more(taskcluster_fake):
    path = "/api/auth/v1/scopes/current"
    assert _signed_at(taskcluster_fake, path, time.time() - 14 * 60).status_code == 200
    assert _signed_at(taskcluster_fake, path, time.time() + 14 * 60).status_code == 200
    stale = _signed_at(taskcluster_fake, path, time.time() - 16 * 60)
    assert stale.status_code == 401
    assert stale.json()["code"] == "AuthenticationFailed"
    assert "Stale timestamp" in stale.json()["message"]


def test_after_advance_requests_signed_with_the_real_clock_still_authenticate(taskcluster_fake,
                                                                               root):
    taskcluster_fake.advance(30 * 24 * 3600)
    assert root.currentScopes()["scopes"] == ["*"]


def test_temporary_credentials_get_the_certificate_scopes(taskcluster_fake):
    tc = taskcluster_fake
    creds = make_client(tc, "issuer", ["auth:current-scopes", "secrets:*"])
    temp = taskcluster.createTemporaryCredentials(
        "issuer", creds["accessToken"], taskcluster.fromNow("-1 minute"),
        taskcluster.fromNow("1 hour"), ["auth:current-scopes", "secrets:get:x"])
    assert auth_as(tc, temp).currentScopes()["scopes"] == [
        "assume:anonymous", "auth:current-scopes", "secrets:get:x"]


def test_temporary_credentials_beyond_their_issuers_scopes_are_401(taskcluster_fake):
    tc = taskcluster_fake
    creds = make_client(tc, "issuer", ["auth:current-scopes"])
    temp = taskcluster.createTemporaryCredentials(
        "issuer", creds["accessToken"], taskcluster.fromNow("-1 minute"),
        taskcluster.fromNow("1 hour"), ["auth:current-scopes", "queue:create-task:*"])
    with pytest.raises(TaskclusterAuthFailure) as e:
        auth_as(tc, temp).currentScopes()
    assert "doesn't satisfy all certificate scopes" in str(e.value)
    assert "queue:create-task:*" in str(e.value)


def test_an_expired_certificate_is_401(taskcluster_fake):
    tc = taskcluster_fake
    creds = make_client(tc, "issuer", ["auth:current-scopes"])
    old = taskcluster.createTemporaryCredentials(
        "issuer", creds["accessToken"], taskcluster.fromNow("-3 hours"),
        taskcluster.fromNow("-2 hours"), ["auth:current-scopes"])
    with pytest.raises(TaskclusterAuthFailure) as e:
        auth_as(tc, old).currentScopes()
    assert "ext.certificate.expiry < now" in str(e.value)
    fresh = taskcluster.createTemporaryCredentials(
        "issuer", creds["accessToken"], taskcluster.fromNow("-1 minute"),
        taskcluster.fromNow("1 hour"), ["auth:current-scopes"])
    auth_as(tc, fresh).currentScopes()
    tc.advance(2 * 3600)   # the certificate's expiry is the deployment's clock's matter
    with pytest.raises(TaskclusterAuthFailure) as e:
        auth_as(tc, fresh).currentScopes()
    assert "ext.certificate.expiry < now" in str(e.value)


def test_a_tampered_certificate_is_401(taskcluster_fake):
    import json
    tc = taskcluster_fake
    creds = make_client(tc, "issuer", ["auth:current-scopes", "secrets:*"])
    temp = taskcluster.createTemporaryCredentials(
        "issuer", creds["accessToken"], taskcluster.fromNow("-1 minute"),
        taskcluster.fromNow("1 hour"), ["auth:current-scopes"])
    cert = json.loads(temp["certificate"])
    cert["expiry"] += 1000
    temp["certificate"] = json.dumps(cert)
    with pytest.raises(TaskclusterAuthFailure) as e:
        auth_as(tc, temp).currentScopes()
    assert "ext.certificate.signature is not valid" in str(e.value)
    assert cert["signature"] not in str(e.value)


def test_named_temporary_credentials_need_create_client_for_their_name(taskcluster_fake):
    tc = taskcluster_fake
    weak = make_client(tc, "weak", ["auth:current-scopes"])
    strong = make_client(tc, "strong", ["auth:current-scopes", "auth:create-client:named/*"])

    def named(issuer, token):
        return taskcluster.createTemporaryCredentials(
            issuer, token, taskcluster.fromNow("-1 minute"), taskcluster.fromNow("1 hour"),
            ["auth:current-scopes"], name="named/one")
    with pytest.raises(TaskclusterAuthFailure) as e:
        auth_as(tc, named("weak", weak["accessToken"])).currentScopes()
    assert "doesn't have `auth:create-client:named/one`" in str(e.value)
    creds = named("strong", strong["accessToken"])
    assert creds["clientId"] == "named/one"
    auth_as(tc, creds).currentScopes()


def test_authorized_scopes_narrow_and_cannot_widen(taskcluster_fake):
    tc = taskcluster_fake
    creds = make_client(tc, "c4", ["auth:current-scopes", "secrets:get:*"])
    narrowed = auth_as(tc, creds, authorizedScopes=["auth:current-scopes"])
    assert narrowed.currentScopes()["scopes"] == ["assume:anonymous", "auth:current-scopes"]
    wide = auth_as(tc, creds, authorizedScopes=["auth:current-scopes", "queue:*"])
    with pytest.raises(TaskclusterAuthFailure) as e:
        wide.currentScopes()
    assert "do not satisfy authorizedScopes" in str(e.value)


def test_a_bewit_authenticates_a_get_until_it_expires(taskcluster_fake, root):
    url = root.buildSignedUrl("currentScopes", expiration=60)
    assert requests.get(url, timeout=30).json() == {"scopes": ["*"]}
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    answer = requests.get(tampered, timeout=30)
    assert answer.status_code == 401 and answer.json()["code"] == "AuthenticationFailed"
    expired = _hawk.signed_url(taskcluster_fake.rootUrl + "/api/auth/v1/scopes/current",
                               taskcluster_fake.rootCredentials["clientId"],
                               taskcluster_fake.rootCredentials["accessToken"], 60,
                               now=time.time() - 120)
    answer = requests.get(expired, timeout=30)
    assert answer.status_code == 401 and "Access expired" in answer.json()["message"]


def test_reset_drops_clients_and_keeps_the_root_credentials(taskcluster_fake, root):
    tc = taskcluster_fake
    me = auth_as(tc, make_client(tc, "c5", ["auth:current-scopes"]))
    me.currentScopes()
    root.createRole("r", {"scopes": [], "description": ""})
    tc.reset()
    with pytest.raises(TaskclusterAuthFailure):
        me.currentScopes()
    assert root.listRoleIds()["roleIds"] == []
    assert root.currentScopes()["scopes"] == ["*"]


# -- authorization ------------------------------------------------------------------

def test_a_missing_scope_is_403_naming_the_expression_and_what_is_missing(taskcluster_fake):
    tc = taskcluster_fake
    me = auth_as(tc, make_client(tc, "c6", ["auth:create-client:mine/*"]))
    with pytest.raises(TaskclusterRestFailure) as e:
        me.createClient("mine/a", {"expires": FAR, "description": "d",
                                   "scopes": ["secrets:get:a", "auth:create-client:mine/b"]})
    assert (e.value.status_code, e.value.code) == (403, "InsufficientScopes")
    assert "Client ID c6 does not have sufficient scopes" in str(e.value)
    assert '"secrets:get:a"' in str(e.value)
    assert e.value.missingScopes == "secrets:get:a"
    with pytest.raises(TaskclusterRestFailure):
        auth_as(tc, tc.rootCredentials).client("mine/a")


def test_a_scope_only_the_state_knows_is_checked_by_the_handler(taskcluster_fake, root):
    tc = taskcluster_fake
    root.createClient("other", {"expires": FAR, "description": "d", "scopes": ["a"]})
    me = auth_as(tc, make_client(tc, "c7", ["auth:update-client:other", "a", "b"]))
    # scopesAdded is what the update adds to the stored client: b, not a
    me.updateClient("other", {"expires": FAR, "description": "d", "scopes": ["a", "b"]})
    with pytest.raises(TaskclusterRestFailure) as e:
        me.updateClient("other", {"expires": FAR, "description": "d",
                                  "scopes": ["a", "b", "c"]})
    assert e.value.status_code == 403 and e.value.missingScopes == "c"
    assert root.client("other")["scopes"] == ["a", "b"]


def test_anonymous_calls_get_the_anonymous_roles_scopes(taskcluster_fake, root):
    anonymous = auth_as(taskcluster_fake)
    with pytest.raises(TaskclusterRestFailure) as e:
        anonymous.currentScopes()
    assert e.value.status_code == 403
    assert "requires Taskcluster credentials that satisfy" in str(e.value)
    root.createRole("anonymous", {"scopes": ["auth:current-scopes"], "description": ""})
    assert anonymous.currentScopes()["scopes"] == ["assume:anonymous", "auth:current-scopes"]


def test_roles_expand_with_parameters(taskcluster_fake, root):
    tc = taskcluster_fake
    root.createRole("repo:github.com/*", {"scopes": ["secrets:get:repo/<..>/token",
                                                     "assume:project:<..>"],
                                          "description": ""})
    root.createRole("project:org/app", {"scopes": ["auth:current-scopes"], "description": ""})
    me = auth_as(tc, make_client(tc, "c8", ["assume:repo:github.com/org/app"]))
    assert me.currentScopes()["scopes"] == [
        "assume:anonymous", "assume:project:org/app", "assume:repo:github.com/org/app",
        "auth:current-scopes", "secrets:get:repo/org/app/token"]
    assert root.expandScopes({"scopes": ["assume:repo:github.com/*"]})["scopes"] == [
        "assume:project:*", "assume:repo:github.com/*", "auth:current-scopes",
        "secrets:get:repo/*"]


def test_an_invalid_payload_is_400_and_changes_nothing(taskcluster_fake, root):
    bad = requests.put(taskcluster_fake.rootUrl + "/api/auth/v1/clients/c9",
                       json={"description": "no expires"}, timeout=30,
                       headers={"Authorization": _hawk.authorization_header(
                           "PUT", taskcluster_fake.rootUrl + "/api/auth/v1/clients/c9",
                           taskcluster_fake.rootCredentials["clientId"],
                           taskcluster_fake.rootCredentials["accessToken"])})
    assert bad.status_code == 400
    assert bad.json()["code"] == "InputValidationError"
    assert "payload.expires is required" in bad.json()["message"]
    with pytest.raises(TaskclusterRestFailure) as e:
        root.client("c9")
    assert e.value.status_code == 404


def test_the_aio_client_authenticates_as_the_sync_one(taskcluster_fake):
    import asyncio

    import taskcluster.aio

    tc = taskcluster_fake
    creds = make_client(tc, "c10", ["auth:current-scopes"])

    async def main():
        async with taskcluster.aio.createSession() as session:
            a = taskcluster.aio.Auth(options(tc, creds), session=session)
            return await a.currentScopes()
    assert check_output("auth", "currentScopes", asyncio.run(main()))["scopes"] == [
        "assume:anonymous", "auth:current-scopes"]


def test_a_certificate_starting_later_than_5_minutes_ahead_is_401(taskcluster_fake):
    tc = taskcluster_fake
    creds = make_client(tc, "issuer", ["auth:current-scopes"])
    later = taskcluster.createTemporaryCredentials(
        "issuer", creds["accessToken"], taskcluster.fromNow("10 minutes"),
        taskcluster.fromNow("1 hour"), ["auth:current-scopes"])
    with pytest.raises(TaskclusterAuthFailure) as e:
        auth_as(tc, later).currentScopes()
    assert "ext.certificate.start > now" in str(e.value)


@pytest.mark.parametrize("header, reason", [
    ("Basic dXNlcjpwYXNz", "Unauthorized"),
    ('Hawk id="x", ts="1"', "Missing attributes"),
    ('Hawk id="x", ts="1", nonce="n", mac="m", bogus="1"', "Unknown attribute: bogus"),
])
def test_a_malformed_authorization_header_is_401_saying_what_is_wrong(taskcluster_fake, header,
                                                                     reason):
    answer = requests.get(taskcluster_fake.rootUrl + "/api/auth/v1/scopes/current",
                          headers={"Authorization": header}, timeout=30)
    assert answer.status_code == 401
    assert answer.json()["code"] == "AuthenticationFailed"
    assert reason in answer.json()["message"]
