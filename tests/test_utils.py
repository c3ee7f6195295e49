"""Utilities: relative times, dates, scope matching, slug ids."""

import base64
import datetime as dt
import re
import uuid

import pytest

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


def test_string_date_is_date_to_json():
    assert utils.stringDate(BASE) == "2026-11-24T10:11:15.123Z"
    assert utils.stringDate(BASE.replace(tzinfo=None)) == "2026-11-24T10:11:15.123Z"
    east = dt.timezone(dt.timedelta(hours=2))
    assert utils.stringDate(BASE.astimezone(east)) == "2026-11-24T10:11:15.123Z"
    assert utils.stringDate(dt.datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05.000Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
                        utils.fromNowJSON("1 day"))


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
