"""The hooks service's backend: hooks, their trigger tokens and last fires.

Firing a hook renders its task template with JSON-e (context: ``firedBy``,
``payload``, ``clientId`` when known, ``now`` and ``taskId``), fills in
``created``, ``deadline`` (+1 day), ``expires`` (+1 month) and
``taskGroupId`` where the template left them out, and creates the task
through the queue with the scopes of the role
``hook-id:<hookGroupId>/<hookId>`` and nothing else, as the real service
does.  A template that renders to null declines: the trigger answers ``{}``.

Schedules are kept and reported, not fired: nothing fires a hook on its
own; a test triggers it.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from typing import Any, Dict, List, Optional, Tuple

from ._paging import page
from ._service import Backend, Call, FakeError, jsonDate

__all__ = ["HooksBackend"]

EXCHANGE = "exchange/taskcluster-hooks/v1/"
# The client hooks create tasks as, narrowed to the hook's role.
CLIENT = "static/taskcluster/hooks"
_SLUGID = re.compile(r"^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}"
                     r"[AQgw]$")
_DEFAULT_TRIGGER_SCHEMA = {"type": "object", "additionalProperties": False}


def _slugid() -> str:
    from .._slugid import nice
    return nice()


class HooksBackend(Backend):
    name = "hooks"

    def reset(self) -> None:
        self.hooks: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.lastFires: Dict[Tuple[str, str], List[Dict[str, Any]]] = {}

    def _hook(self, call: Call) -> Dict[str, Any]:
        key = (call.params["hookGroupId"], call.params["hookId"])
        hook = self.hooks.get(key)
        if hook is None:
            raise FakeError(404, "ResourceNotFound", "No such hook")
        return hook

    def _publish(self, exchange: str, key: Tuple[str, str]) -> None:
        self.deployment.publish(EXCHANGE + exchange, "_",
                                {"hookGroupId": key[0], "hookId": key[1]}, [])

    @staticmethod
    def _definition(hook: Dict[str, Any]) -> Dict[str, Any]:
        return copy.deepcopy(hook["definition"])

    def listHookGroups(self, call: Call) -> Any:
        return {"groups": sorted({g for g, _ in self.hooks})}

    def listHooks(self, call: Call) -> Any:
        group = call.params["hookGroupId"]
        found = [self._definition(h) for (g, _), h in sorted(self.hooks.items()) if g == group]
        if not found:
            raise FakeError(404, "ResourceNotFound", "No such group")
        return {"hooks": found}

    def hook(self, call: Call) -> Any:
        return self._definition(self._hook(call))

    def getHookStatus(self, call: Call) -> Any:
        hook = self._hook(call)
        return {"lastFire": copy.deepcopy(hook["lastFire"])}

    def _checked(self, call: Call) -> Dict[str, Any]:
        """The hook definition from the payload, with the defaults the
        schema gives and the ids from the route."""
        group, hookId = call.params["hookGroupId"], call.params["hookId"]
        definition = copy.deepcopy(call.payload)
        if definition.get("hookGroupId", group) != group:
            raise FakeError(400, "InputError", "Hook Group Ids do not match")
        if definition.get("hookId", hookId) != hookId:
            raise FakeError(400, "InputError", "Hook Ids do not match")
        definition["hookGroupId"], definition["hookId"] = group, hookId
        definition.setdefault("schedule", [])
        definition.setdefault("triggerSchema", copy.deepcopy(_DEFAULT_TRIGGER_SCHEMA))
        definition.setdefault("bindings", [])
        import fastjsonschema
        try:
            fastjsonschema.compile(definition["triggerSchema"])
        except Exception as e:
            raise FakeError(400, "InputError",
                            "triggerSchema is not a valid JSON schema:\n * %s" % e) from None
        return definition

    def createHook(self, call: Call) -> Any:
        definition = self._checked(call)
        key = (definition["hookGroupId"], definition["hookId"])
        existing = self.hooks.get(key)
        if existing is not None:
            if existing["definition"] != definition:
                raise FakeError(409, "RequestConflict",
                                "hook `%s/%s` already exists." % key)
            return self._definition(existing)
        self.hooks[key] = {"definition": definition, "triggerToken": _slugid(),
                           "lastFire": {"result": "no-fire"}}
        self._publish("hook-created", key)
        return self._definition(self.hooks[key])

    def updateHook(self, call: Call) -> Any:
        hook = self._hook(call)
        definition = self._checked(call)
        hook["definition"] = definition
        self._publish("hook-updated", (definition["hookGroupId"], definition["hookId"]))
        return self._definition(hook)

    def removeHook(self, call: Call) -> Any:
        key = (call.params["hookGroupId"], call.params["hookId"])
        if self.hooks.pop(key, None) is not None:
            self.lastFires.pop(key, None)
            self._publish("hook-deleted", key)
        return None

    def getTriggerToken(self, call: Call) -> Any:
        return {"token": self._hook(call)["triggerToken"]}

    def resetTriggerToken(self, call: Call) -> Any:
        hook = self._hook(call)
        hook["triggerToken"] = _slugid()
        return {"token": hook["triggerToken"]}

    def triggerHook(self, call: Call) -> Any:
        return self._fire(self._hook(call), call.payload, call.clientId, "triggerHook")

    def triggerHookWithToken(self, call: Call) -> Any:
        hook = self._hook(call)
        import hmac
        if not hmac.compare_digest(call.params["token"].encode("utf-8"),
                                   hook["triggerToken"].encode("utf-8")):
            raise FakeError(401, "AuthenticationFailed", "invalid hook token")
        return self._fire(hook, call.payload, None, "triggerHookWithToken")

    def listLastFires(self, call: Call) -> Any:
        key = (call.params["hookGroupId"], call.params["hookId"])
        self._hook(call)
        fires = list(reversed(self.lastFires.get(key, [])))
        chunk, more = page(call, fires)
        return dict({"lastFires": [dict(f, taskState=self._state(f["taskId"]))
                                   for f in chunk]}, **more)

    def _state(self, taskId: str) -> str:
        try:
            status = self.deployment.call("queue", "status", {"taskId": taskId},
                                          clientId=CLIENT, scopes=["*"])
        except FakeError:
            return "unknown"
        return status.get("status", {}).get("state", "unknown")

    # firing

    def _render(self, hook: Dict[str, Any], context: Dict[str, Any], taskId: str,
                now: datetime.datetime) -> Optional[Dict[str, Any]]:
        import jsone
        task = jsone.render(copy.deepcopy(hook["definition"]["task"]),
                            dict({"now": jsonDate(now), "taskId": taskId}, **context))
        if task is None:
            return None
        if not isinstance(task, dict):
            raise ValueError("the hook's task template rendered to %s, not an object"
                             % type(task).__name__)
        task.setdefault("created", jsonDate(now))
        task.setdefault("deadline", jsonDate(now + datetime.timedelta(days=1)))
        task.setdefault("expires", jsonDate(now + datetime.timedelta(days=30)))
        task.setdefault("taskGroupId", taskId)
        return task

    def _fire(self, hook: Dict[str, Any], payload: Any, clientId: Optional[str],
              firedBy: str) -> Any:
        definition = hook["definition"]
        key = (definition["hookGroupId"], definition["hookId"])
        context: Dict[str, Any] = {"firedBy": firedBy, "payload": payload}
        if clientId:
            context["clientId"] = clientId
        problem = _trigger_problem(definition["triggerSchema"], payload)
        if problem:
            raise FakeError(400, "InputError", problem)
        taskId = _slugid()
        if isinstance(payload, dict) and payload.get("taskId"):
            if not isinstance(payload["taskId"], str) or not _SLUGID.match(payload["taskId"]):
                raise FakeError(400, "InputError",
                                "Invalid taskId format: %s" % json.dumps(payload["taskId"]))
            taskId = payload["taskId"]
        now = self.deployment.now()
        fire = {"hookGroupId": key[0], "hookId": key[1], "taskId": taskId, "firedBy": firedBy,
                "taskCreateTime": jsonDate(now), "result": "error", "error": ""}
        try:
            task = self._render(hook, context, taskId, now)
        except Exception as e:  # JSON-e's errors: the template or the payload is wrong
            fire["error"] = "%s: %s" % (type(e).__name__, e)
            self._fired(hook, key, fire, now)
            raise FakeError(400, "InputError", "While firing hook:\n\n%s" % fire["error"]) \
                from None
        if task is None:
            return {}
        role = "assume:hook-id:%s/%s" % key
        try:
            self.deployment.call("queue", "createTask", {"taskId": taskId}, task,
                                 clientId=CLIENT, scopes=[role])
        except FakeError as e:
            fire["error"] = json.dumps({"code": e.code, "message": e.message}, indent=2)
            self._fired(hook, key, fire, now)
            if e.code == "InsufficientScopes":
                raise FakeError(403, "InsufficientScopes",
                                "The role `hook-id:%s/%s` does not have sufficient scopes to "
                                "create the task:\n\n%s" % (key[0], key[1], e.message)) from None
            raise FakeError(400, "InputError", "While calling createTask: %s\n\n%s"
                            % (e.code, e.message)) from None
        fire["result"] = "success"
        self._fired(hook, key, fire, now)
        return {"taskId": taskId, "status": {"taskId": taskId}}

    def _fired(self, hook: Dict[str, Any], key: Tuple[str, str], fire: Dict[str, Any],
               now: datetime.datetime) -> None:
        self.lastFires.setdefault(key, []).append(fire)
        if fire["result"] == "success":
            hook["lastFire"] = {"result": "success", "taskId": fire["taskId"],
                                "time": jsonDate(now)}
        else:
            hook["lastFire"] = {"result": "error", "error": {"message": fire["error"]},
                                "time": jsonDate(now)}


def _trigger_problem(schema: Dict[str, Any], payload: Any) -> Optional[str]:
    """What is wrong with a trigger payload, per the hook's triggerSchema."""
    import fastjsonschema
    try:
        fastjsonschema.compile(schema, use_default=False)(payload)
    except fastjsonschema.JsonSchemaValueException as e:
        return "Error validating trigger payload against the hook's triggerSchema: %s" % e.message
    return None

