"""Scenarios that call the loopback server: response shapes, errors and
retries, calling conventions, authentication.  Each records what the call
returned or raised; the runner adds the requests that arrived."""

from __future__ import annotations

import datetime
import json

from observe import describe
from scenarios import T0, T0_UTC, reply, reset, scenario

TASK = {"taskId": "abc", "state": "completed"}
LOCATION = {"Location": "https://storage.example.com/a/b.txt"}


def _queue(ctx, **options):
    return ctx.tc.Queue(ctx.options(**options))


def _task(ctx, **options):
    return ctx.attempt(lambda: _queue(ctx, **options).task("abc"))


# -- response shapes ----------------------------------------------------------

@scenario(reply(200, json=TASK))
def shape_json(ctx):
    return _task(ctx)


@scenario(reply(200, raw=json.dumps(TASK)))
def shape_json_without_content_type(ctx):
    return _task(ctx)


@scenario(reply(200, raw=json.dumps(TASK), headers={"Content-Type": "text/plain"}))
def shape_json_as_text_plain(ctx):
    return _task(ctx)


@scenario(reply(200, text="plain words, not JSON"))
def shape_text(ctx):
    return _task(ctx)


@scenario(reply(200))
def shape_empty_200(ctx):
    return _task(ctx)


@scenario(reply(204))
def shape_204(ctx):
    return _task(ctx)


@scenario(reply(303, headers=LOCATION))
def shape_303(ctx):
    return ctx.attempt(lambda: ctx.tc.Index(ctx.options()).findArtifactFromTask(
        "project.x.latest", "public/b.txt"))


@scenario(reply(303, json={"storageType": "s3", "url": LOCATION["Location"]}, headers=LOCATION))
def shape_303_json(ctx):
    return ctx.attempt(lambda: _queue(ctx).getLatestArtifact("abc", "public/b.txt"))


@scenario(reply(303, headers=LOCATION))
def shape_303_location_header(ctx):
    """What code written for the package does with a 303."""
    def location():
        return _queue(ctx).getLatestArtifact("abc", "public/b.txt")["response"].headers["location"]
    return ctx.attempt(location)


@scenario(reply(200, json=[1, "two", None]))
def shape_json_list(ctx):
    return _task(ctx)


# -- errors -------------------------------------------------------------------

def _failure(ctx, call=None):
    """The call's outcome, and which ``except`` clauses written for the
    package would catch it (the call is made once)."""
    raised = []

    def once():
        try:
            return (call or (lambda: _queue(ctx).task("abc")))()
        except Exception as exc:
            raised.append(exc)
            raise
    out = ctx.attempt(once)
    out["caught_by"] = {
        name: (isinstance(raised[0], getattr(ctx.tc, name)) if hasattr(ctx.tc, name)
               else "missing") if raised else "no exception"
        for name in ("TaskclusterRestFailure", "TaskclusterAuthFailure", "TaskclusterFailure",
                     "TaskclusterConnectionError")}
    return out


@scenario(reply(404, json={"code": "ResourceNotFound", "message": "no such task"}),
          reply(404, json={"code": "ResourceNotFound", "message": "no such task"}))
def error_404_json(ctx):
    return _failure(ctx)


@scenario(reply(404, text="not here"), reply(404, text="not here"))
def error_404_text(ctx):
    return _failure(ctx)


@scenario(reply(400, json=["not", "an", "object"]), reply(400, json=["not", "an", "object"]))
def error_400_json_list(ctx):
    return _failure(ctx)


@scenario(reply(409), reply(409))
def error_409_empty(ctx):
    return _failure(ctx)


@scenario(*[reply(500, json={"code": "InternalServerError", "message": "oops"})] * 4)
def error_500_json_after_retry(ctx):
    return _failure(ctx)


@scenario(*[reply(502, text="bad gateway")] * 4)
def error_502_text_after_retry(ctx):
    return _failure(ctx)


@scenario(reply(401, json={"code": "AuthenticationFailed", "message": "bad mac"}),
          reply(401, json={"code": "AuthenticationFailed", "message": "bad mac"}))
def error_401_json(ctx):
    return _failure(ctx)


@scenario(reply(401), reply(401))
def error_401_empty(ctx):
    return _failure(ctx)


@scenario(reply(503, text="busy"), reply(200, json=TASK))
def error_503_then_200(ctx):
    return _task(ctx)


@scenario(reset(), reset(), reset(), reset())
def error_connection_reset(ctx):
    return _failure(ctx)


@scenario()
def error_connection_refused(ctx):
    return _failure(ctx, lambda: ctx.tc.Queue({"rootUrl": ctx.closed_url,
                                              "maxRetries": 0}).task("abc"))


# -- calling conventions ------------------------------------------------------

PAYLOAD = {"provisionerId": "p", "workerType": "w", "created": "2026-03-04T05:06:07.891Z",
           "deadline": "2026-03-05T05:06:07.891Z", "payload": {}, "metadata": {
               "name": "n", "description": "d", "owner": "o@example.com",
               "source": "https://example.com"}}


@scenario()
def call_positional(ctx):
    return ctx.attempt(lambda: _queue(ctx).createTask("abc", PAYLOAD))


@scenario()
def call_keywords_payload_params(ctx):
    return ctx.attempt(lambda: _queue(ctx).createTask(payload=PAYLOAD, params={"taskId": "abc"}))


@scenario()
def call_payload_then_keywords(ctx):
    return ctx.attempt(lambda: _queue(ctx).createTask(PAYLOAD, taskId="abc"))


@scenario()
def call_query(ctx):
    return ctx.attempt(lambda: _queue(ctx).listTaskGroup("g", query={"limit": 5}))


@scenario()
def call_query_and_params(ctx):
    return ctx.attempt(lambda: _queue(ctx).listTaskGroup(params={"taskGroupId": "g"},
                                                         query={"continuationToken": "t"}))


@scenario(reply(200, json={"tasks": [1], "continuationToken": "c1"}),
          reply(200, json={"tasks": [2], "continuationToken": "c2"}),
          reply(200, json={"tasks": [3]}))
def call_pagination_handler(ctx):
    pages = []
    out = ctx.attempt(lambda: _queue(ctx).listTaskGroup(
        "g", paginationHandler=pages.append, paginationLimit=1))
    out["handler_saw"] = describe(pages)
    return out


@scenario()
def call_special_characters_in_args(ctx):
    return ctx.attempt(lambda: ctx.tc.Index(ctx.options()).findArtifactFromTask(
        "a/b c", "public/x y.txt"))


@scenario()
def call_int_arg(ctx):
    return ctx.attempt(lambda: _queue(ctx).getArtifact("abc", 0, "public/x"))


@scenario()
def call_datetime_in_payload(ctx):
    payload = dict(PAYLOAD, created=T0, deadline=T0_UTC + datetime.timedelta(days=1),
                   expires=T0.replace(microsecond=0))
    return ctx.attempt(lambda: _queue(ctx).createTask("abc", payload))


@scenario()
def call_unicode_payload(ctx):
    payload = dict(PAYLOAD, metadata=dict(PAYLOAD["metadata"], name="é ☃ 𝄞"))
    return ctx.attempt(lambda: _queue(ctx).createTask("abc", payload))


@scenario()
def call_str_payload(ctx):
    return ctx.attempt(lambda: _queue(ctx).createTask("abc", json.dumps(PAYLOAD)))


@scenario()
def call_none_payload(ctx):
    return ctx.attempt(lambda: _queue(ctx).createTask("abc", None))


@scenario()
def call_undeclared_query_key(ctx):
    return ctx.attempt(lambda: _queue(ctx).listTaskGroup("g", query={"limt": 5}))


@scenario()
def call_wrong_arity(ctx):
    q = _queue(ctx)
    return {"too_few": ctx.attempt(lambda: q.task()),
            "too_many": ctx.attempt(lambda: q.task("a", "b")),
            "unknown_keyword": ctx.attempt(lambda: q.task(taskid="a")),
            "dict_arg": ctx.attempt(lambda: q.task({"x": 1}))}


@scenario()
def call_no_args_method(ctx):
    return ctx.attempt(lambda: _queue(ctx).ping())


# -- authentication -----------------------------------------------------------

CERTIFICATE = {"version": 1, "scopes": ["queue:*"], "start": 1772600767000,
               "expiry": 1772687167000, "seed": "s" * 44, "signature": "x" * 44,
               "issuer": "compat-issuer"}


@scenario()
def auth_none(ctx):
    return _task(ctx)


@scenario()
def auth_credentials(ctx):
    return _task(ctx, credentials=ctx.credentials())


@scenario()
def auth_credentials_payload(ctx):
    return ctx.attempt(lambda: _queue(ctx, credentials=ctx.credentials()).createTask(
        "abc", PAYLOAD))


@scenario()
def auth_authorized_scopes(ctx):
    return _task(ctx, credentials=ctx.credentials(), authorizedScopes=["queue:get-task:*"])


@scenario()
def auth_certificate_str(ctx):
    return _task(ctx, credentials=ctx.credentials(certificate=json.dumps(CERTIFICATE)))


@scenario()
def auth_certificate_dict(ctx):
    return _task(ctx, credentials=ctx.credentials(certificate=CERTIFICATE))


@scenario()
def auth_bytes_credentials(ctx):
    return _task(ctx, credentials={"clientId": b"compat-client", "accessToken": b"compat-token"})


@scenario()
def auth_non_ascii_credentials(ctx):
    return _task(ctx, credentials={"clientId": "clïent", "accessToken": "compat-token"})


@scenario()
def auth_client_id_only(ctx):
    return _task(ctx, credentials={"clientId": "compat-client"})


@scenario(reply(200, raw="{not json", headers={"Content-Type": "application/json"}))
def shape_bad_json_with_json_content_type(ctx):
    return _task(ctx)


@scenario(*[reply(429, json={"code": "TooManyRequests", "message": "slow down"})] * 3)
def error_429_not_retried(ctx):
    return _failure(ctx)
