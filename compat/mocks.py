"""Scenarios under the HTTP mocking libraries code written for the package
uses in its tests: ``responses``, ``httmock``, ``requests-mock``.  Each
records what the call returned and what the mock saw.  The root URL is the
loopback server's, so a call that escapes the mock arrives there (and the
runner reports it) instead of leaving the machine."""

from __future__ import annotations

from scenarios import CREDENTIALS, scenario

TASK = {"taskId": "abc", "state": "completed"}


def _task_url(ctx, path="task/abc"):
    return ctx.url + "/api/queue/v1/" + path


def _seen(method, url, headers, body=None):
    if isinstance(body, bytes):
        body = body.decode("utf-8", "backslashreplace")
    return {"method": method, "url": url, "body": body,
            "authorization": (headers.get("Authorization") or "").split(" ", 1)[0] or None}


def _responses(ctx, add, call):
    import responses

    def run():
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            add(rsps, responses)
            result = call()
            return {"result": result,
                    "mock_saw": [_seen(c.request.method, c.request.url, c.request.headers,
                                       c.request.body)
                                 for c in rsps.calls]}
    return ctx.attempt(run)


@scenario()
def mock_responses_json(ctx):
    return _responses(ctx, lambda r, m: r.add(m.GET, _task_url(ctx), json=TASK),
                      lambda: ctx.tc.Queue(ctx.options(credentials=dict(CREDENTIALS))).task("abc"))


@scenario()
def mock_responses_303(ctx):
    def add(r, m):
        r.add(m.GET, ctx.url + "/api/index/v1/task/p.x/artifacts/public%2Fb.txt", status=303,
              headers={"Location": "https://storage.example.com/b.txt"})

    def call():
        r = ctx.tc.Index(ctx.options()).findArtifactFromTask("p.x", "public/b.txt")
        return {"location": r["response"].headers["location"], "value": r}
    return _responses(ctx, add, call)


@scenario()
def mock_responses_404(ctx):
    return _responses(ctx, lambda r, m: r.add(m.GET, _task_url(ctx), status=404,
                                              json={"message": "nope"}),
                      lambda: ctx.tc.Queue(ctx.options()).task("abc"))


@scenario()
def mock_responses_payload(ctx):
    return _responses(ctx, lambda r, m: r.add(m.PUT, _task_url(ctx), json={"status": {}}),
                      lambda: ctx.tc.Queue(ctx.options()).createTask("abc", {"x": 1}))


@scenario()
def mock_httmock(ctx):
    def run():
        from httmock import HTTMock, all_requests
        seen = []

        @all_requests
        def handler(url, request):
            seen.append(_seen(request.method, request.url, request.headers))
            return {"status_code": 200, "content": TASK,
                    "headers": {"Content-Type": "application/json"}}
        with HTTMock(handler):
            result = ctx.tc.Queue(ctx.options(credentials=dict(CREDENTIALS))).task("abc")
        return {"result": result, "mock_saw": seen}
    return ctx.attempt(run)


@scenario()
def mock_httmock_500_retry(ctx):
    def run():
        from httmock import HTTMock, all_requests
        seen = []

        @all_requests
        def handler(url, request):
            seen.append(request.method)
            return {"status_code": 500 if len(seen) == 1 else 200, "content": TASK,
                    "headers": {"Content-Type": "application/json"}}
        with HTTMock(handler):
            result = ctx.tc.Queue(ctx.options()).task("abc")
        return {"result": result, "mock_saw": seen}
    return ctx.attempt(run)


@scenario()
def mock_requests_mock(ctx):
    def run():
        import requests_mock
        with requests_mock.Mocker() as m:
            m.get(_task_url(ctx), json=TASK)
            result = ctx.tc.Queue(ctx.options(credentials=dict(CREDENTIALS))).task("abc")
            return {"result": result, "call_count": m.call_count,
                    "mock_saw": [_seen(r.method, r.url, r.headers) for r in m.request_history]}
    return ctx.attempt(run)


@scenario()
def mock_requests_mock_text(ctx):
    def run():
        import requests_mock
        with requests_mock.Mocker() as m:
            m.get(_task_url(ctx), text="not json")
            r = ctx.tc.Queue(ctx.options()).task("abc")
            return {"result": r, "call_count": m.call_count}
    return ctx.attempt(run)


@scenario()
def mock_requests_mock_helper_secrets(ctx):
    """The helpers' calls are intercepted too."""
    def run():
        import requests_mock
        helper = __import__("taskcluster.helper", fromlist=["helper"])
        with requests_mock.Mocker() as m:
            m.get(ctx.url + "/api/secrets/v1/secret/project%2Fx", json={"secret": {"k": "v"}})
            cfg = helper.TaskclusterConfig(ctx.url)
            cfg.auth("cid", "tok")
            return {"result": cfg.load_secrets("project/x"), "call_count": m.call_count}
    return ctx.attempt(run)
