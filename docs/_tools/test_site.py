"""The built site, opened in headless Chromium (run by ``nox -s docs`` after the build).

The site is served from docs/_build/html/ by an HTTP server on 127.0.0.1
started here; Chromium (Debian's ``chromium``) runs headless with a fresh
profile and is driven over the DevTools protocol on a loopback port.  For the
front page and the queue's reference page: the title, the text as rendered
(the queue's methods in it), and no console error, uncaught exception or
failed load.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

HTML = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_build", "html")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (apt-get install -y chromium)")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    if not os.path.isfile(os.path.join(HTML, "index.html")):
        pytest.fail("no built site in %s: run docs/_tools/build.py first" % HTML)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=HTML))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d/" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser():
    """Chromium's DevTools websocket URL; the browser is stopped afterwards."""
    profile = tempfile.mkdtemp(prefix="docs-chromium-")
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--user-data-dir=" + profile,
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    drain = None
    try:
        url = None
        for line in proc.stderr:
            found = re.search(r"DevTools listening on (ws://127\.0\.0\.1:\d+/\S+)", line)
            if found:
                url = found.group(1)
                break
        assert url, "chromium did not start its DevTools endpoint"
        # keep reading its stderr so that it never blocks on a full pipe
        drain = threading.Thread(target=proc.stderr.read, daemon=True)
        drain.start()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if drain is not None:
            drain.join()
        proc.stderr.close()
        shutil.rmtree(profile, ignore_errors=True)


async def _render(ws_url: str, page_url: str) -> dict:
    """Open ``page_url`` in a new tab; its title, rendered text and the
    problems the console, the runtime and the network reported."""
    import aiohttp

    problems = []
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(ws_url, max_msg_size=0) as ws:
        ids = iter(range(1, 10**6))
        pending = {}

        async def reader():
            async for msg in ws:
                data = json.loads(msg.data)
                if "id" in data and data["id"] in pending:
                    pending.pop(data["id"]).set_result(data)
                    continue
                method, params = data.get("method"), data.get("params", {})
                if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                    problems.append("console.%s: %s" % (params["type"], [
                        a.get("value", a.get("description")) for a in params["args"]]))
                elif method == "Runtime.exceptionThrown":
                    problems.append("exception: %s" % params["exceptionDetails"].get("text"))
                elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                    problems.append("log: %s %s" % (params["entry"]["text"],
                                                    params["entry"].get("url", "")))
                elif method == "Page.loadEventFired":
                    loaded.set()

        async def call(method, session_id=None, **params):
            number = next(ids)
            pending[number] = asyncio.get_running_loop().create_future()
            message = {"id": number, "method": method, "params": params}
            if session_id:
                message["sessionId"] = session_id
            await ws.send_str(json.dumps(message))
            answer = await pending[number]
            assert "error" not in answer, (method, answer["error"])
            return answer["result"]

        loaded = asyncio.Event()
        task = asyncio.ensure_future(reader())
        try:
            target = await call("Target.createTarget", url="about:blank")
            sid = (await call("Target.attachToTarget", targetId=target["targetId"],
                              flatten=True))["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                await call(domain + ".enable", sid)
            await call("Page.navigate", sid, url=page_url)
            await asyncio.wait_for(loaded.wait(), 120)
            # let the theme's scripts run after the load event
            await call("Runtime.evaluate", sid, awaitPromise=True,
                       expression="new Promise(r => requestAnimationFrame(() => setTimeout(r, 200)))")
            result = await call("Runtime.evaluate", sid, returnByValue=True, expression=(
                "JSON.stringify({title: document.title, text: document.body.innerText})"))
            await call("Target.closeTarget", targetId=target["targetId"])
        finally:
            task.cancel()
    page = json.loads(result["result"]["value"])
    page["problems"] = problems
    return page


def render(ws_url: str, page_url: str) -> dict:
    return asyncio.run(asyncio.wait_for(_render(ws_url, page_url), 180))


def test_the_front_page_renders(site, browser):
    page = render(browser, site + "index.html")
    assert page["title"].startswith("taskcluster-refclient"), page["title"]
    assert "Quick start" in page["text"]
    assert "Moving from the taskcluster package" in page["text"]
    assert page["problems"] == []


def test_the_queue_reference_renders_every_method(site, browser):
    page = render(browser, site + "reference/queue.html")
    assert page["title"].startswith("Queue Service"), page["title"]
    import taskcluster._references as refs
    names = list(refs.load("Queue").entries)
    assert len(names) > 40
    missing = [n for n in names if "queue.%s(" % n not in page["text"]]
    assert missing == []
    assert "PUT /task/<taskId>" in page["text"]
    assert "queue:create-task:project:<projectId>" in page["text"]
    assert page["problems"] == []


def test_every_service_page_has_every_entry_with_its_signature():
    """All 17 documents have a page; every method's page shows the client's own
    signature, its route and its scopes; every exchange its binding."""
    import html
    import inspect

    import genref   # beside this file (pytest puts its folder on sys.path)
    import taskcluster
    from taskcluster import _references

    assert len(_references.SERVICES) == 17
    for class_name in _references.SERVICES:
        path = os.path.join(HTML, "reference", genref.page_name(class_name) + ".html")
        with open(path, encoding="utf-8") as fh:
            text = html.unescape(re.sub(r"<[^>]+>", "", fh.read()))
        ref = _references.load(class_name)
        client = getattr(taskcluster, class_name)({"rootUrl": "https://tc.example.com"})
        var = genref.variable(class_name)
        for name, entry in ref.entries.items():
            signature = "%s.%s%s" % (var, name, inspect.signature(getattr(client, name)))
            assert signature in text, (class_name, signature)
            if ref.kind == "api":
                assert "%s %s" % (entry.method.upper(), entry.route) in text, (class_name, name)
                if isinstance(entry.scopes, str):
                    assert entry.scopes in text, (class_name, name)
            else:
                assert "'routingKeyPattern'" in text or '"routingKeyPattern"' in text


def test_the_link_check_finds_a_missing_page_and_a_missing_anchor(tmp_path):
    import linkcheck

    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<p id="top"></p><a href="#top">ok</a><a href="sub/a.html#here">ok</a>'
        '<a href="sub/a.html#gone">bad</a><a href="missing.html">bad</a>'
        '<a href="https://example.com/x#y">external</a><script src="sub/"></script>')
    (tmp_path / "sub" / "a.html").write_text(
        '<h2 id="here">x</h2><a href="../index.html#top">ok</a><a name="old"></a>'
        '<a href="#old">ok</a>')
    assert sorted(linkcheck.check(str(tmp_path))) == [
        "index.html: missing.html (no file missing.html)",
        "index.html: sub/ (no file sub/index.html)",
        "index.html: sub/a.html#gone (no anchor #gone in sub/a.html)",
    ]
    assert linkcheck.check(HTML) == []
