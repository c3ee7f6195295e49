"""Utilities: relative times, dates, scope matching, slug ids, and the
``taskcluster`` package's helpers (checked against that package's outputs)."""

import base64
import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import package_cases
import pytest
from loopback import Reply, closed_port

import taskcluster
from taskcluster import TaskclusterInputError, utils

BASE = dt.datetime(2026, 11, 24, 10, 11, 15, 123456, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("offset,delta", [
    ("1 day 2 hours", dt.timedelta(days=1, hours=2)),
    ("-3h", dt.timedelta(hours=-3)),
    ("2 mo", dt.timedelta(days=60)),
    ("1y", dt.timedelta(days=365)),
    ("1 year 2 months 3 weeks 4 days 5 hours 6 minutes 7 seconds",
     dt.timedelta(days=365 + 60 + 21 + 4, hours=5, minutes=6, seconds=7)),
    ("2 years", dt.timedelta(days=730)),
    ("1yr 1wk 1hr", dt.timedelta(days=372, hours=1)),
    ("- 1 d", dt.timedelta(days=-1)),
    ("+5 min", dt.timedelta(minutes=5)),
    ("5m", dt.timedelta(minutes=5)),
    ("30 sec", dt.timedelta(seconds=30)),
    ("30s", dt.timedelta(seconds=30)),
    ("-1 day 30 seconds", -dt.timedelta(days=1, seconds=30)),
    ("  3 DAYS  ", dt.timedelta(days=3)),
    ("1d2h3m4s", dt.timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ("", dt.timedelta(0)),
])
def test_from_now_grammar(offset, delta):
    assert utils.fromNow(offset, BASE) == BASE + delta


@pytest.mark.parametrize("offset", ["tomorrow", "1 hour 1 day", "3 fortnights", "1.5h",
                                    "h", "--1h", "1 day,2 hours"])
def test_from_now_refuses_what_is_not_a_time_expression(offset):
    with pytest.raises(TaskclusterInputError) as info:
        utils.fromNow(offset, BASE)
    assert repr(offset) in str(info.value) and info.value.argument == "offset"


def test_parse_time_gives_signed_parts():
    assert utils.parseTime("-1y 2mo 3w 4d 5h 6m 7s") == {
        "years": -1, "months": -2, "weeks": -3, "days": -4, "hours": -5,
        "minutes": -6, "seconds": -7}


def test_from_now_defaults_to_now_in_utc():
    before = dt.datetime.now(dt.timezone.utc)
    got = utils.fromNow("1 hour")
    after = dt.datetime.now(dt.timezone.utc)
    assert got.tzinfo is not None
    assert before + dt.timedelta(hours=1) <= got <= after + dt.timedelta(hours=1)


def test_string_date_is_the_packages_isoformat():
    # Expected values: the taskcluster package's stringDate (see package_cases.py).
    assert utils.stringDate(BASE) == "2026-11-24T10:11:15.123456Z"
    assert utils.stringDate(BASE.replace(tzinfo=None)) == "2026-11-24T10:11:15.123456Z"
    east = dt.timezone(dt.timedelta(hours=2))
    assert utils.stringDate(BASE.astimezone(east)) == "2026-11-24T12:11:15.123456+02:00"
    assert utils.stringDate(dt.datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"


def test_string_date_writes_a_date_as_an_iso_date():
    # The package fails here (AttributeError); see the README's compatibility table.
    assert utils.stringDate(dt.date(2026, 1, 2)) == "2026-01-02"
    assert utils.dumpJson([dt.date(2026, 1, 2)]) == '["2026-01-02"]'


def test_from_now_json_is_date_to_json_as_in_node():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
                        utils.fromNowJSON("1 day"))
    east = dt.timezone(dt.timedelta(hours=2))
    assert utils.fromNowJSON("0 s", BASE.astimezone(east)) == "2026-11-24T10:11:15.123Z"
    assert utils.fromNowJSON("0 s", dt.datetime(2026, 1, 2)) == "2026-01-02T00:00:00.000Z"


def test_from_now_json():
    assert utils.fromNowJSON("-1 day", BASE) == "2026-11-23T10:11:15.123Z"


@pytest.mark.parametrize("assumed,required,result", [
    (["a"], [["a"]], True),
    (["a"], [["b"]], False),
    (["a*"], [["ab", "ac"]], True),
    (["a*"], [["a"]], True),
    (["*"], [["anything"]], True),
    (["ab"], [["a*"]], False),            # a star only counts in the assumed scope
    (["a", "b"], [["a", "c"], ["b"]], True),
    (["a"], [["a", "c"]], False),
    (["a"], [], False),
    ([], [[]], True),
    (["queue:*"], [["queue:create-task:high"]], True),
    (["queue:create-task:*"], [["queue:route:x"]], False),
])
def test_scope_match(assumed, required, result):
    assert utils.scopeMatch(assumed, required) is result


@pytest.mark.parametrize("bad", ["a", ["a"]])
def test_scope_match_refuses_scope_sets_that_are_strings(bad):
    with pytest.raises(TaskclusterInputError):
        utils.scopeMatch(["a"], bad)


def decode_slug(slug):
    return uuid.UUID(bytes=base64.urlsafe_b64decode(slug + "=="))


def test_slug_ids_are_22_url_safe_characters_of_a_v4_uuid():
    slugs = [utils.slugId() for _ in range(500)]
    assert len(set(slugs)) == 500
    for slug in slugs:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", slug)
        u = decode_slug(slug)
        assert u.version == 4 and u.variant == uuid.RFC_4122


def test_nice_slug_ids_never_start_with_a_dash():
    # A nice slug's first bit is clear, so its first character is one of
    # the first 32 of the base64url alphabet: A-Z or a-f.
    for _ in range(2000):
        assert re.match(r"[A-Za-f]", utils.slugId())


def test_stable_slug_id():
    stable = utils.stableSlugId()
    assert stable("a") == stable("a") != stable("b")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", stable("a"))
    assert utils.stableSlugId()("a") != stable("a")


def test_utilities_are_exported_at_the_top_level():
    for name in ("slugId", "stableSlugId", "fromNow", "fromNowJSON", "stringDate",
                 "scopeMatch", "createTemporaryCredentials"):
        assert getattr(taskcluster, name) is getattr(utils, name)


# -- the taskcluster package's helpers ------------------------------------------

GOLDEN = Path(__file__).parent / "golden" / "package_utils.json"


def test_outputs_are_the_packages():
    # tests/golden/package_utils.json holds what taskcluster==113.2.0 gave for
    # the same cases (how it was made: package_cases.py's docstring).
    expected = json.loads(GOLDEN.read_text())
    got = json.loads(json.dumps(package_cases.outputs(utils)))
    for name in expected:
        assert got[name] == expected[name], name
    assert set(got) == set(expected)


@pytest.mark.skipif(not os.environ.get("TC_PACKAGE_PYTHON"),
                    reason="set TC_PACKAGE_PYTHON to a python with taskcluster==113.2.0 "
                           "installed to re-check the golden file against the package")
def test_golden_file_is_what_the_package_gives_now():
    script = Path(package_cases.__file__).resolve()
    out = subprocess.run([os.environ["TC_PACKAGE_PYTHON"], str(script)], cwd="/",
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == json.loads(GOLDEN.read_text())


def test_is_expired_keeps_the_packages_margin_of_1200_ms():
    cert = {"expiry": 10_000_000}
    assert utils.isExpired(cert, now=10_000_000 - 1200) is False
    assert utils.isExpired(cert, now=10_000_000 - 1199) is True
    assert utils.isExpired(json.dumps(cert), now=0) is False
    assert utils.isExpired(json.dumps(cert).encode(), now=0) is False
    assert utils.isExpired({}, now=0) is True


@pytest.mark.parametrize("bad", [None, 5, ["expiry"], '{"secret-ish": ', b"\xff"])
def test_is_expired_refuses_what_is_not_a_certificate_without_echoing_it(bad):
    with pytest.raises(TaskclusterInputError) as info:
        utils.isExpired(bad)
    assert info.value.method == "isExpired" and info.value.argument == "certificate"
    assert "secret-ish" not in str(info.value)


def test_dump_json_refuses_what_it_cannot_write_with_a_value_error():
    class Opaque:
        pass
    with pytest.raises(ValueError) as info:   # the package raises a ValueError too
        utils.dumpJson({"a": Opaque()})
    assert isinstance(info.value, TaskclusterInputError)
    assert "Opaque" in str(info.value) and info.value.method == "dumpJson"


def test_dump_json_passes_options_through():
    assert utils.dumpJson({"b": 1, "a": 2}, sort_keys=True) == '{"a":2,"b":1}'
    # The package asserts there is no newline; an indent asked for is honoured here.
    assert utils.dumpJson({"a": 1}, indent=1) == '{\n "a":1\n}'


def test_calculate_sleep_time_with_a_pinned_draw():
    assert [utils.calculateSleepTime(a, random=lambda: 0.5) for a in (0, 1, 2, 3, 9)] == [
        0, 0.1, 0.2, 0.4, 0.1 * 2 ** 8]
    assert utils.calculateSleepTime(1, random=lambda: 0.0) == pytest.approx(0.075)
    assert utils.calculateSleepTime(1, random=lambda: 1.0) == pytest.approx(0.125)
    assert utils.calculateSleepTime(40, random=lambda: 1.0) == utils.MAX_DELAY


def test_scope_match_is_scope_match_with_a_warning():
    with pytest.warns(UserWarning, match="scope_match is deprecated: use scopeMatch"):
        assert utils.scope_match(["a*"], [["ab"]]) is True
    with pytest.warns(UserWarning):
        assert utils.scope_match(["a"], [["b"]]) is False


def test_options_from_environment(monkeypatch):
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "me")
    assert utils.optionsFromEnvironment() == taskcluster.optionsFromEnvironment()
    assert utils.optionsFromEnvironment()["rootUrl"] == "https://tc.example.com"


def test_every_name_in_all_resolves():
    for name in utils.__all__:
        assert getattr(utils, name) is not None, name


def test_importing_utils_does_not_import_requests():
    code = ("import sys, taskcluster.utils\n"
            "print('requests' in sys.modules, 'urllib3' in sys.modules)\n")
    env = dict(os.environ, PYTHONPATH=str(Path(taskcluster.__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd="/", capture_output=True,
                         text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# -- plain HTTP requests, against the loopback server ----------------------------

def test_single_request_does_not_follow_redirects(server):
    server.plan(Reply(303, headers={"Location": server.url + "/elsewhere"}))
    response = utils.makeSingleHttpRequest("post", server.url + "/x?a=1", b"body",
                                           {"X-Test": "yes"})
    assert response.status_code == 303
    assert response.headers["location"] == server.url + "/elsewhere"
    [req] = server.requests
    assert (req.method, req.target, req.body) == ("POST", "/x?a=1", b"body")
    assert req.headers["x-test"] == "yes"


def test_single_request_goes_through_the_session_given(server):
    import requests
    with requests.Session() as session:
        session.headers["X-Session"] = "mine"
        response = utils.makeSingleHttpRequest("GET", server.url + "/s", None, {},
                                               session=session)
    assert response.json() == {"method": "GET", "target": "/s"}
    assert server.requests[0].headers["x-session"] == "mine"


def test_request_retries_5xx_with_the_packages_waits(server):
    server.plan(Reply(503), Reply(502))
    waits = []
    response = utils.makeHttpRequest("GET", server.url + "/r", None, {}, sleep=waits.append)
    assert response.status_code == 200
    assert len(server.requests) == 3
    assert waits == [0.1, 0.4]


def test_request_returns_the_last_5xx_when_retries_run_out(server):
    server.plan(Reply(500), Reply(500), Reply(500), Reply(200))
    waits = []
    response = utils.makeHttpRequest("GET", server.url + "/r", None, {}, retries=2,
                                     sleep=waits.append)
    assert response.status_code == 500
    assert len(server.requests) == 3 and len(waits) == 2


def test_request_does_not_retry_4xx(server):
    server.plan(Reply(404, {"message": "no"}))
    response = utils.makeHttpRequest("GET", server.url + "/r", None, {}, sleep=pytest.fail)
    assert response.status_code == 404 and len(server.requests) == 1


def test_request_raises_requests_error_after_connection_failures():
    import requests
    waits = []
    url = "http://127.0.0.1:%d/r" % closed_port()
    with pytest.raises(requests.exceptions.ConnectionError):
        utils.makeHttpRequest("GET", url, None, {}, retries=2, sleep=waits.append)
    assert waits == [0.1, 0.4]


def test_request_rewinds_a_file_payload_before_each_attempt(server, tmp_path):
    path = tmp_path / "payload.bin"
    path.write_bytes(b"0123456789" * 1000)
    server.plan(Reply(500))
    with open(path, "rb") as f:
        response = utils.makeHttpRequest("PUT", server.url + "/f", f, {}, sleep=lambda s: None)
    assert response.status_code == 200
    assert [r.body for r in server.requests] == [path.read_bytes()] * 2


def test_put_file(server, tmp_path):
    path = tmp_path / "artifact.txt"
    path.write_text("hello artifact")
    response = utils.putFile(str(path), server.url + "/put?sig=abc", "text/plain")
    assert response.status_code == 200
    [req] = server.requests
    assert (req.method, req.target, req.body) == ("PUT", "/put?sig=abc", b"hello artifact")
    assert req.headers["content-type"] == "text/plain"
    assert req.headers["content-length"] == "14"


def test_logs_name_neither_the_query_nor_the_headers(server, caplog):
    caplog.set_level(logging.DEBUG, logger="taskcluster")
    server.plan(Reply(503))
    utils.makeHttpRequest("GET", server.url + "/p?bewit=SECRET-BEWIT", "SECRET-BODY",
                          {"Authorization": "Hawk SECRET-HEADER"}, sleep=lambda s: None)
    assert "/p" in caplog.text and "503" in caplog.text
    assert "SECRET" not in caplog.text
