"""The differential compatibility suite's own machinery (``compat/``): the
comparison, the known-differences triage, how values, exceptions and
requests are described, and the runner against a real loopback server.
The suite itself runs with ``nox -s compat``."""

from __future__ import annotations

import datetime
import os
import sys
import urllib.request

import mohawk
import requests

from loopback import LoopbackServer

COMPAT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "compat")
sys.path.append(COMPAT)

import differences  # noqa: E402
import judge  # noqa: E402
import observe  # noqa: E402
import run  # noqa: E402
import scenarios  # noqa: E402

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# -- judge ------------------------------------------------------------------

def test_diff_descends_dicts_and_lists_of_containers_only():
    ours = {"a": {"b": 1, "c": [1, 2]}, "r": [{"x": 1}], "seconds": 1.0}
    theirs = {"a": {"b": 2, "c": [1, 3]}, "r": [{"x": 1}, {"x": 2}], "seconds": 9.0}
    fields = judge.diff("s", ours, theirs)
    assert [(f.path, f.ours, f.theirs) for f in fields] == [
        ("a.b", 1, 2), ("a.c", [1, 2], [1, 3]), ("r[1]", judge.MISSING, {"x": 2})]


def test_a_key_on_one_side_is_one_difference():
    fields = judge.diff("s", {"result": {"raised": {"class": "E", "str": "m"}}},
                          {"result": {"value": 3}})
    assert [(f.path, f.ours, f.theirs) for f in fields] == [
        ("result.raised", {"class": "E", "str": "m"}, judge.MISSING),
        ("result.value", judge.MISSING, 3)]


def test_identical_observations_have_no_difference():
    obs = {"result": {"value": [1, {"a": None}]}, "requests": []}
    assert judge.diff("s", obs, dict(obs)) == []


def test_sibling_reads_the_neighbouring_field_on_either_side():
    f, = judge.diff("s", {"r": {"class": "A", "str": "x"}}, {"r": {"class": "A", "str": "y"}})
    assert f.path == "r.str"
    assert f.sibling("class") == "A" and f.sibling("class", "theirs") == "A"
    assert f.sibling("nothing") == judge.MISSING


def test_glob_match_takes_brackets_literally():
    assert judge.glob_match("requests[*].authorization.*", "requests[0].authorization.ext")
    assert not judge.glob_match("a[0]", "a0")
    assert judge.glob_match("error_*", "error_404_json")
    assert not judge.glob_match("error_*", "shape_error")


def test_triage_accepts_only_where_the_check_holds_and_reports_stale_entries():
    fields = judge.diff("error_x", {"m": "Queue.task: 404: gone", "n": 1},
                          {"m": "gone", "n": 2})
    contains = judge.Difference("error_*", "m", "w", "y", lambda f: f.theirs in f.ours)
    never = judge.Difference("error_*", "n", "w", "y", lambda f: False)
    other = judge.Difference("shape_*", "*", "w", "y")
    unexplained, accepted, stale = judge.triage(fields, [contains, never, other])
    assert [f.path for f in unexplained] == ["n"]
    assert [(f.path, d) for f, d in accepted] == [("m", contains)]
    assert stale == [never, other]


def test_render_aligns_and_shows_where_long_values_part():
    prefix = "x" * 80
    f, = judge.diff("s", {"body": prefix + "ours"}, {"body": prefix + "theirs"})
    text = judge.render([f])
    assert text.splitlines()[0].split() == ["field", "ours", "taskcluster", "113.2.0"]
    assert 'ours"' in text and 'theirs"' in text and text.count("...") >= 2


# -- observe ----------------------------------------------------------------

def test_describe_keeps_what_a_caller_tells_apart():
    when = datetime.datetime(2026, 1, 2, 3, 4, 5)
    assert observe.describe({"a": (1, b"x"), "d": when}) == {
        "a": {"type": "tuple", "items": [1, {"type": "bytes", "value": "x"}]},
        "d": {"type": "datetime", "iso": "2026-01-02T03:04:05"}}


def test_describe_exception_names_bases_and_fields():
    import taskcluster.exceptions as exc
    out = observe.describe(exc.TaskclusterRestFailure("m", status_code=404, body={"a": 1}))
    assert out["class"] == "TaskclusterRestFailure"
    assert out["taskcluster_bases"] == ["TaskclusterRestFailure", "TaskclusterFailure"]
    assert out["status_code"] == 404 and out["body"] == {"a": 1} and out["str"] == "m"
    plain = observe.describe(KeyError("k"))
    assert plain["builtin_bases"] == ["KeyError", "LookupError"]
    assert plain["status_code"] == observe.ABSENT and plain["superExc"] == observe.ABSENT


def test_parameters_are_written_as_a_caller_passes_them():
    def fn(a, b=1, *c, d, e=None, **f):
        pass
    assert observe.parameters(fn) == ["a", "b=1", "*c", "kw:d", "kw:e=None", "**f"]


def test_describe_a_requests_response_from_a_real_server():
    with LoopbackServer() as server:
        server.plan(run.Reply(303, headers={"Location": "https://example.com/x"}))
        response = requests.get(server.url + "/r", allow_redirects=False)
    assert observe.describe(response) == {
        "type": "requests.Response", "status": 303, "headers.location": "https://example.com/x",
        "headers.content-type": None, "text": ""}


# -- requests as they arrive ------------------------------------------------

def test_describe_request_keeps_hawk_id_and_ext_not_random_parts():
    cert = {"version": 1, "seed": "s" * 44, "signature": "g" * 44, "scopes": ["a"]}
    ext = run.base64.b64encode(run.json.dumps({"certificate": cert}).encode()).decode()
    url = None
    with LoopbackServer() as server:
        url = server.url + "/api/queue/v1/task/abc?x=1"
        sender = mohawk.Sender({"id": "me", "key": "k", "algorithm": "sha256"}, url, "PUT",
                               content=b'{"a":1}', content_type="application/json", ext=ext)
        requests.put(url, data=b'{"a":1}', headers={
            "Authorization": sender.request_header, "Content-Type": "application/json"})
        rec = server.requests[-1]
    out = run.describe_request(rec)
    assert out["method"] == "PUT" and out["path"] == "/api/queue/v1/task/abc"
    assert out["query"] == "x=1" and out["body"] == '{"a":1}'
    assert out["content-type"] == "application/json"
    auth = out["authorization"]
    assert auth["id"] == "me" and auth["attributes"] == ["ext", "hash", "id", "mac", "nonce", "ts"]
    assert auth["ext"]["certificate"]["seed"] == "<44 chars>"
    assert auth["ext"]["certificate"]["scopes"] == ["a"]


def test_instants_from_the_clock_are_compared_by_shape():
    soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1))
    text = '{"expires":"%s","fixed":"2020-01-02T03:04:05.678Z"}' % soon.strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")
    assert run._near_now(text) == (
        '{"expires":"<now+1d as 9999-99-99T99:99:99.999999Z>","fixed":"2020-01-02T03:04:05.678Z"}')


def test_conductor_answers_each_scenario_in_order_and_files_its_requests():
    plan = {
        "one": scenarios.Scenario("one", None, (scenarios.reply(404, json={"m": "{url}"}),
                                               scenarios.reply(200, text="t"))),
        "two": scenarios.Scenario("two", None, ()),
    }
    with LoopbackServer() as server:
        conductor = run.Conductor(server, plan)

        def post(path):
            req = urllib.request.Request(server.url + path, data=b"", method="POST")
            try:
                with DIRECT.open(req) as answer:
                    return answer.status, answer.read()
            except urllib.error.HTTPError as error:
                return error.code, error.read()

        post(run.BEGIN + "one")
        first, second, third = post("/a"), post("/b"), post("/c")
        post(run.BEGIN + "two")
        fourth = post("/d")
        filed = conductor.take()
    assert first == (404, ('{"m": "%s"}' % server.url).encode())
    assert second == (200, b"t")
    assert third[0] == 200 and b'"target": "/c"' in third[1]   # the server's default echo
    assert fourth[0] == 200
    assert [r["path"] for r in filed["one"]] == ["/a", "/b", "/c"]
    assert [r["path"] for r in filed["two"]] == ["/d"]
    assert server.requests == []


def test_one_scenario_end_to_end_under_this_library(tmp_path):
    """child.py in a fresh interpreter, against a real server: the result and
    the request it made are both recorded."""
    with LoopbackServer() as server:
        conductor = run.Conductor(server)
        got = run.run_library(sys.executable, conductor, ["shape_json", "auth_credentials"],
                              str(tmp_path))
    shape = got["observed"]["shape_json"]
    assert shape["result"] == {"value": {"taskId": "abc", "state": "completed"}}
    assert [r["path"] for r in shape["requests"]] == ["/api/queue/v1/task/abc"]
    auth = got["observed"]["auth_credentials"]["requests"][0]["authorization"]
    assert auth["id"] == scenarios.CREDENTIALS["clientId"]


# -- the known differences --------------------------------------------------

def test_each_known_difference_says_what_and_why():
    assert differences.KNOWN[0].what
    for entry in differences.KNOWN:
        # a continuation (no what) has no why of its own either
        assert bool(entry.what.strip()) == bool(entry.why.strip()), entry


def test_the_docs_page_holds_the_current_table():
    page = os.path.join(os.path.dirname(COMPAT), "docs", "guide", "moving.md")
    with open(page, encoding="utf-8") as f:
        assert run.table() in f.read()
    assert run.main(["--check-page", page]) == 0


def test_write_page_puts_the_current_table_after_the_marker(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n" + run.TABLE_MARKER + "| old | table |\n|---|---|\n\nAfter.\n",
                    encoding="utf-8")
    assert run.main(["--check-page", str(page)]) == 1
    assert run.main(["--write-page", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert text == "# Title\n\n" + run.TABLE_MARKER + run.table().rstrip("\n") + "\n\nAfter.\n"
    assert run.main(["--check-page", str(page)]) == 0
