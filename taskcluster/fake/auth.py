"""The auth service's backend: clients, roles, scope expansion, and the
credentials of the clouds (fake values of the right shape).

Static clients (the root client the deployment hands out, the queue's own)
are the deployment's: they survive ``reset()`` and cannot be changed here,
as the real service refuses to change ``static/`` clients.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._authn import AuthFailure, ClientRecord, Identity, authenticate
from ._paging import page
from ._roles import Resolver, RoleCycle
from ._service import Backend, Call, FakeError, jsonDate

__all__ = ["AuthBackend"]

_NEVER = datetime.datetime(3000, 1, 1, tzinfo=datetime.timezone.utc)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
# The cloud accounts the fake pretends to have.
AZURE_ACCOUNT = "fakeaccount"
AZURE_TABLES = ("faketable",)
AZURE_CONTAINERS = ("fakecontainer",)


def _parse_date(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _token() -> str:
    return secrets.token_urlsafe(33)


def _not_found(kind: str, key: str) -> FakeError:
    return FakeError(404, "ResourceNotFound", "%s '%s' not found" % (kind, key))


def _static_refused(clientId: str) -> FakeError:
    return FakeError(400, "InputError",
                     'clientId "%s" starts with "static/" which is reserved for statically '
                     "configured clients" % clientId)


class AuthBackend(Backend):
    name = "auth"
    # These authenticate the request themselves (with the tester client).
    selfAuthenticating = frozenset({"testAuthenticate", "testAuthenticateGet"})

    def reset(self) -> None:
        self.clients: Dict[str, Dict[str, Any]] = {}
        self.roles: Dict[str, Dict[str, Any]] = {}
        self.audit: List[Dict[str, Any]] = []
        self._resolver: Optional[Resolver] = None

    def tick(self, now: datetime.datetime) -> None:
        for clientId in [c for c, v in self.clients.items()
                         if v["deleteOnExpiration"] and v["expires"] < now]:
            del self.clients[clientId]

    # -- what the deployment asks ------------------------------------------

    def expand(self, scopes: Sequence[str]) -> Tuple[str, ...]:
        if self._resolver is None:
            self._resolver = Resolver({k: v["scopes"] for k, v in self.roles.items()})
        return self._resolver.expand(scopes)

    def loadClient(self, clientId: str) -> ClientRecord:
        client = self.clients.get(clientId)
        if client is None:
            raise AuthFailure("Client with clientId '%s' not found" % clientId)
        if client["disabled"]:
            raise AuthFailure("Client with clientId '%s' is disabled" % clientId)
        if client["expires"] < self.deployment.now():
            raise AuthFailure("Client with clientId '%s' has expired" % clientId)
        client["lastDateUsed"] = self.deployment.now()
        return ClientRecord(client["accessToken"], self.expand(client["scopes"]),
                            int((client["expires"] - _EPOCH).total_seconds() * 1000))

    def addClient(self, clientId: str, scopes: List[str],
                  expires: Optional[datetime.datetime] = None,
                  description: str = "") -> Dict[str, str]:
        """A client made by the test (``FakeDeployment.createClient``)."""
        if clientId in self.clients or self.deployment.staticClient(clientId):
            raise ValueError("a client %r already exists" % clientId)
        now = self.deployment.now()
        self.clients[clientId] = {
            "clientId": clientId, "accessToken": _token(), "scopes": list(scopes),
            "expires": expires or _NEVER, "description": description, "created": now,
            "lastModified": now, "lastDateUsed": now, "lastRotated": now,
            "disabled": False, "deleteOnExpiration": False}
        return {"clientId": clientId, "accessToken": self.clients[clientId]["accessToken"]}

    def _changed_roles(self) -> None:
        self._resolver = None

    def _record(self, call: Call, entityType: str, entityId: str, actionType: str) -> None:
        self.audit.append({"clientId": call.clientId or "anonymous", "actionType": actionType,
                           "created": jsonDate(self.deployment.now()),
                           "entityId": entityId, "entityType": entityType})

    # -- views ---------------------------------------------------------------

    def _client_view(self, client: Dict[str, Any], secret: bool = False) -> Dict[str, Any]:
        view = {
            "clientId": client["clientId"], "expires": jsonDate(client["expires"]),
            "description": client["description"], "created": jsonDate(client["created"]),
            "lastModified": jsonDate(client["lastModified"]),
            "lastDateUsed": jsonDate(client["lastDateUsed"]),
            "lastRotated": jsonDate(client["lastRotated"]),
            "scopes": list(client["scopes"]),
            "expandedScopes": list(self.expand(client["scopes"])),
            "disabled": client["disabled"],
            "deleteOnExpiration": client["deleteOnExpiration"]}
        if secret:
            view["accessToken"] = client["accessToken"]
        return view

    def _static_view(self, clientId: str) -> Dict[str, Any]:
        record = self.deployment.staticClient(clientId)
        return {"clientId": clientId, "expires": jsonDate(_NEVER),
                "description": "static client of the fake deployment",
                "created": jsonDate(_EPOCH), "lastModified": jsonDate(_EPOCH),
                "lastDateUsed": jsonDate(_EPOCH), "lastRotated": jsonDate(_EPOCH),
                "scopes": list(record.scopes), "expandedScopes": list(self.expand(record.scopes)),
                "disabled": False, "deleteOnExpiration": False}

    def _role_view(self, role: Dict[str, Any]) -> Dict[str, Any]:
        return {"roleId": role["roleId"], "scopes": list(role["scopes"]),
                "description": role["description"], "created": jsonDate(role["created"]),
                "lastModified": jsonDate(role["lastModified"]),
                "expandedScopes": list(self.expand(role["scopes"]))}

    def _client(self, clientId: str) -> Dict[str, Any]:
        client = self.clients.get(clientId)
        if client is None:
            raise _not_found("Client", clientId)
        return client

    # -- service methods -------------------------------------------------------

    def listClients(self, call: Call) -> Any:
        prefix = call.query.get("prefix", "")
        ids = sorted([c for c in self.clients if c.startswith(prefix)] +
                     [c for c in (d for d in ("static/taskcluster/queue",
                                              "static/taskcluster/root"))
                      if c.startswith(prefix)])
        chunk, more = page(call, ids)
        views = [self._static_view(c) if c.startswith("static/") else
                 self._client_view(self.clients[c]) for c in chunk]
        return dict({"clients": views}, **more)

    def client(self, call: Call) -> Any:
        clientId = call.params["clientId"]
        if self.deployment.staticClient(clientId):
            return self._static_view(clientId)
        return self._client_view(self._client(clientId))

    def createClient(self, call: Call) -> Any:
        clientId, p = call.params["clientId"], call.payload
        if clientId.startswith("static/"):
            raise _static_refused(clientId)
        if clientId in self.clients:
            raise FakeError(409, "RequestConflict", "Client already exists")
        now = self.deployment.now()
        self.clients[clientId] = {
            "clientId": clientId, "accessToken": _token(), "scopes": list(p.get("scopes", [])),
            "expires": _parse_date(p["expires"]), "description": p["description"],
            "created": now, "lastModified": now, "lastDateUsed": now, "lastRotated": now,
            "disabled": False, "deleteOnExpiration": bool(p.get("deleteOnExpiration"))}
        self._record(call, "client", clientId, "created")
        return self._client_view(self.clients[clientId], secret=True)

    def resetAccessToken(self, call: Call) -> Any:
        clientId = call.params["clientId"]
        if clientId.startswith("static/"):
            raise _static_refused(clientId)
        client = self._client(clientId)
        client["accessToken"] = _token()
        client["lastRotated"] = self.deployment.now()
        self._record(call, "client", clientId, "resetAccessToken")
        return self._client_view(client, secret=True)

    def updateClient(self, call: Call) -> Any:
        clientId, p = call.params["clientId"], call.payload
        if clientId.startswith("static/"):
            raise _static_refused(clientId)
        client = self._client(clientId)
        scopes = list(p.get("scopes", []))
        call.authorize(clientId=clientId,
                       scopesAdded=[s for s in scopes if s not in client["scopes"]])
        client.update(description=p["description"], expires=_parse_date(p["expires"]),
                      scopes=scopes, lastModified=self.deployment.now())
        if "deleteOnExpiration" in p:
            client["deleteOnExpiration"] = bool(p["deleteOnExpiration"])
        self._record(call, "client", clientId, "updated")
        return self._client_view(client)

    def enableClient(self, call: Call) -> Any:
        return self._able(call, False, "enabled")

    def disableClient(self, call: Call) -> Any:
        return self._able(call, True, "disabled")

    def _able(self, call: Call, disabled: bool, action: str) -> Any:
        clientId = call.params["clientId"]
        if clientId.startswith("static/"):
            raise _static_refused(clientId)
        client = self._client(clientId)
        client["disabled"] = disabled
        client["lastModified"] = self.deployment.now()
        self._record(call, "client", clientId, action)
        return self._client_view(client)

    def deleteClient(self, call: Call) -> Any:
        clientId = call.params["clientId"]
        if clientId.startswith("static/"):
            raise _static_refused(clientId)
        if self.clients.pop(clientId, None) is not None:
            self._record(call, "client", clientId, "deleted")
        return None

    def getEntityHistory(self, call: Call) -> Any:
        kind, key = call.params["entityType"], call.params["entityId"]
        found = [a for a in self.audit if a["entityType"] == kind and a["entityId"] == key]
        chunk, more = page(call, found)
        return dict({"auditHistory": chunk}, **more)

    def listAuditHistory(self, call: Call) -> Any:
        clientId = call.params["clientId"]
        found = [a for a in self.audit if a["clientId"] == clientId]
        chunk, more = page(call, found)
        return dict({"auditHistory": chunk}, **more)

    # roles

    def listRoles(self, call: Call) -> Any:
        return [self._role_view(self.roles[r]) for r in sorted(self.roles)]

    def listRoles2(self, call: Call) -> Any:
        chunk, more = page(call, sorted(self.roles))
        return dict({"roles": [self._role_view(self.roles[r]) for r in chunk]}, **more)

    def listRoleIds(self, call: Call) -> Any:
        chunk, more = page(call, sorted(self.roles))
        return dict({"roleIds": chunk}, **more)

    def role(self, call: Call) -> Any:
        roleId = call.params["roleId"]
        if roleId not in self.roles:
            raise _not_found("Role", roleId)
        return self._role_view(self.roles[roleId])

    def _check_roles(self, roles: Dict[str, Dict[str, Any]]) -> None:
        for roleId, role in roles.items():
            for scope in role["scopes"]:
                if scope.count("<..>") > 1 or (roleId.endswith("*") and
                                                scope.endswith("*<..>")):
                    raise FakeError(400, "InputError",
                                    "parameterized scope '%s' is not allowed" % scope)
        resolver = Resolver({k: v["scopes"] for k, v in roles.items()})
        try:
            # what any role grants, and what its own scopes grant (a
            # parameterized scope taken as written, as a view of it expands)
            resolver.expand(["assume:%s" % r for r in roles])
            for role in roles.values():
                resolver.expand(role["scopes"])
        except RoleCycle as e:
            raise FakeError(400, "InputError", "DependencyCycleError: %s" % e) from None

    def createRole(self, call: Call) -> Any:
        roleId, p = call.params["roleId"], call.payload
        existing = self.roles.get(roleId)
        if existing is not None:
            if existing["description"] != p["description"] or existing["scopes"] != p["scopes"]:
                raise FakeError(409, "RequestConflict",
                                "Role with roleId '%s' already exists" % roleId)
            return self._role_view(existing)
        now = self.deployment.now()
        role = {"roleId": roleId, "scopes": list(p["scopes"]), "description": p["description"],
                "created": now, "lastModified": now}
        self._check_roles(dict(self.roles, **{roleId: role}))
        self.roles[roleId] = role
        self._changed_roles()
        self._record(call, "role", roleId, "created")
        return self._role_view(role)

    def updateRole(self, call: Call) -> Any:
        roleId, p = call.params["roleId"], call.payload
        role = self.roles.get(roleId)
        if role is None:
            raise _not_found("Role", roleId)
        call.authorize(roleId=roleId,
                       scopesAdded=[s for s in p["scopes"] if s not in role["scopes"]])
        changed = dict(role, scopes=list(p["scopes"]), description=p["description"],
                       lastModified=self.deployment.now())
        self._check_roles(dict(self.roles, **{roleId: changed}))
        self.roles[roleId] = changed
        self._changed_roles()
        self._record(call, "role", roleId, "updated")
        return self._role_view(changed)

    def deleteRole(self, call: Call) -> Any:
        roleId = call.params["roleId"]
        if self.roles.pop(roleId, None) is not None:
            self._changed_roles()
            self._record(call, "role", roleId, "deleted")
        return None

    def expandScopes(self, call: Call) -> Any:
        return {"scopes": list(self.expand(call.payload["scopes"]))}

    def currentScopes(self, call: Call) -> Any:
        return {"scopes": list(call.scopes)}

    # the clouds: fake values of the right shape

    def _expiry(self, minutes: int = 60) -> str:
        return jsonDate(self.deployment.now() + datetime.timedelta(minutes=minutes))

    def _level(self, call: Call) -> str:
        level = call.params["level"]
        if level not in ("read-only", "read-write"):
            raise FakeError(400, "InputError",
                            "%s: level must be 'read-only' or 'read-write', not %r"
                            % (call.method, level))
        call.authorize(levelIsReadOnly=level == "read-only")
        return level

    def awsS3Credentials(self, call: Call) -> Any:
        self._level(call)
        return {"credentials": {"accessKeyId": "AKIAFAKE" + secrets.token_hex(6).upper(),
                                "secretAccessKey": secrets.token_urlsafe(30),
                                "sessionToken": secrets.token_urlsafe(60)},
                "expires": self._expiry()}

    def azureAccounts(self, call: Call) -> Any:
        return {"accounts": [AZURE_ACCOUNT]}

    def _account(self, call: Call) -> None:
        if call.params["account"] != AZURE_ACCOUNT:
            raise _not_found("Account", call.params["account"])

    def azureTables(self, call: Call) -> Any:
        self._account(call)
        chunk, more = page(call, list(AZURE_TABLES))
        return dict({"tables": chunk}, **more)

    def _sas(self) -> str:
        return "sv=2014-02-14&sp=r&se=fake&sig=%s" % secrets.token_hex(16)

    def azureTableSAS(self, call: Call) -> Any:
        self._account(call)
        self._level(call)
        return {"sas": self._sas(), "expiry": self._expiry()}

    def azureContainers(self, call: Call) -> Any:
        self._account(call)
        chunk, more = page(call, list(AZURE_CONTAINERS))
        return dict({"containers": chunk}, **more)

    def azureContainerSAS(self, call: Call) -> Any:
        self._account(call)
        self._level(call)
        return {"sas": self._sas(), "expiry": self._expiry()}

    def sentryDSN(self, call: Call) -> Any:
        project = call.params["project"]
        key, secret = secrets.token_hex(16), secrets.token_hex(16)
        return {"project": project,
                "dsn": {"secret": "https://%s:%s@sentry.fake.invalid/1" % (key, secret),
                        "public": "https://%s@sentry.fake.invalid/1" % key},
                "expires": self._expiry()}

    def websocktunnelToken(self, call: Call) -> Any:
        def part(value: Any) -> str:
            import json
            raw = json.dumps(value, separators=(",", ":")).encode("utf-8")
            return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        audience, client = call.params["wstAudience"], call.params["wstClient"]
        expires = self.deployment.now() + datetime.timedelta(minutes=96 * 60)
        body = part({"alg": "HS256", "typ": "JWT"}) + "." + part(
            {"sub": client, "aud": audience, "tid": "fake",
             "exp": int(expires.timestamp())})
        signature = base64.urlsafe_b64encode(
            hashlib.sha256(body.encode("ascii")).digest()).decode("ascii").rstrip("=")
        return {"wstClient": client, "wstAudience": audience,
                "token": body + "." + signature, "expires": jsonDate(expires)}

    def gcpCredentials(self, call: Call) -> Any:
        return {"accessToken": "ya29.fake-" + secrets.token_urlsafe(40),
                "expireTime": self._expiry()}

    def githubRepoToken(self, call: Call) -> Any:
        p = call.payload
        perms = [("%s:%s:%s" % (repo, name, level))
                 for repo in p["repositories"] for name, level in p["permissions"].items()]
        call.authorize(repoPerms=perms)
        return {"token": "ghs_fake" + secrets.token_hex(16), "expires": self._expiry()}

    # authentication as a service

    def _authenticated(self, identity: Identity) -> Dict[str, Any]:
        if identity.scheme == "none":
            return {"status": "no-auth", "scheme": "none", "scopes": list(identity.scopes),
                    "expires": self._expiry(15)}
        expires = (_EPOCH + datetime.timedelta(milliseconds=identity.expires)
                   if identity.expires is not None else _NEVER)
        return {"status": "auth-success", "scheme": "hawk", "scopes": list(identity.scopes),
                "clientId": identity.clientId, "expires": jsonDate(min(expires, _NEVER))}

    def authenticateHawk(self, call: Call) -> Any:
        p = call.payload
        try:
            identity = authenticate(
                p["method"], p["resource"], p["host"], str(p["port"]), p.get("authorization"),
                load_client=self.deployment.loadClient, expand=self.deployment.expand,
                now_ms=int(self.deployment.now().timestamp() * 1000))
        except AuthFailure as e:
            return {"status": "auth-failed", "message": str(e)}
        return self._authenticated(identity)

    def _test(self, call: Call, clientScopes: List[str], required: List[str]) -> Any:
        request = getattr(call, "request", None)
        if request is None:
            raise FakeError(400, "InputError", "%s needs an HTTP request to check"
                            % call.method)

        def tester(clientId: str) -> ClientRecord:
            if clientId != "tester":
                raise AuthFailure("Client with clientId '%s' not found" % clientId)
            return ClientRecord("no-secret", tuple(clientScopes))
        try:
            identity = authenticate(
                request["method"], request["resource"], request["host"], request["port"],
                request["authorization"], load_client=tester, expand=lambda s: tuple(s),
                now_ms=int(self.deployment.now().timestamp() * 1000))
        except AuthFailure as e:
            raise FakeError(401, "AuthenticationFailed", str(e)) from None
        from ._scopecheck import denial, satisfies
        expression = {"AllOf": list(required)}
        if not satisfies(identity.scopes, expression):
            raise FakeError(403, "InsufficientScopes",
                            denial(identity.clientId, identity.scopes, expression))
        return {"clientId": identity.clientId or "anonymous", "scopes": list(identity.scopes)}

    def testAuthenticate(self, call: Call) -> Any:
        return self._test(call, call.payload["clientScopes"], call.payload["requiredScopes"])

    def testAuthenticateGet(self, call: Call) -> Any:
        return self._test(call, ["test:*", "auth:create-client:test:*"],
                          ["test:authenticate-get"])
