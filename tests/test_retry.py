"""taskcluster.retry.retry: the package's contract (tryFn gets retryFor)."""

import random

import pytest

from taskcluster import utils
from taskcluster.retry import retry


class Flaky(Exception):
    pass


def failing(times, result="done"):
    calls = []

    def tryFn(retryFor):
        calls.append(retryFor)
        if len(calls) <= times:
            retryFor(Flaky("attempt %d" % len(calls)))
            return "ignored"
        return result
    return tryFn, calls


def test_returns_at_once_when_nothing_asks_for_a_retry():
    tryFn, calls = failing(0)
    assert retry(3, tryFn, sleep=pytest.fail) == "done"
    assert len(calls) == 1


def test_retries_until_success_waiting_as_calculate_sleep_time():
    tryFn, calls = failing(3)
    waits = []
    random.seed(7)
    assert retry(5, tryFn, sleep=waits.append) == "done"
    assert len(calls) == 4
    random.seed(7)
    assert waits == [utils.calculateSleepTime(n) for n in (1, 2, 3)]


def test_raises_the_last_exception_after_max_retries():
    tryFn, calls = failing(10)
    waits = []
    with pytest.raises(Flaky, match="attempt 3"):
        retry(2, tryFn, sleep=waits.append)
    assert len(calls) == 3 and len(waits) == 2


def test_zero_retries_means_one_attempt():
    tryFn, calls = failing(1)
    with pytest.raises(Flaky, match="attempt 1"):
        retry(0, tryFn, sleep=pytest.fail)
    assert len(calls) == 1


def test_an_exception_raised_by_try_fn_is_not_retried():
    calls = []

    def tryFn(retryFor):
        calls.append(1)
        raise KeyError("fatal")
    with pytest.raises(KeyError):
        retry(5, tryFn, sleep=pytest.fail)
    assert calls == [1]
