"""``retry(maxRetries, tryFn)``, as the ``taskcluster`` package has it: a
generic retry loop for code of your own.

``tryFn(retryFor)`` is called; if it called ``retryFor(exc)``, the attempt
failed in a way worth retrying: after ``calculateSleepTime(n)`` seconds the
next attempt runs, up to ``maxRetries`` retries, after which ``exc`` is
raised.  Otherwise what ``tryFn`` returned is returned.  An exception raised by
``tryFn`` is not retried.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Optional, TypeVar

from ._plainhttp import calculateSleepTime

__all__ = ["retry"]

log = logging.getLogger(__name__)

T = TypeVar("T")


def retry(maxRetries: int, tryFn: Callable[[Callable[[BaseException], None]], T], *,
          sleep: Callable[[float], None] = time.sleep) -> T:
    attempt = 0
    while True:
        if attempt:
            sleep(calculateSleepTime(attempt))
        failure: Optional[BaseException] = None

        def retryFor(exc: BaseException) -> None:
            nonlocal failure
            failure = exc

        result = tryFn(retryFor)
        if failure is None:
            return result
        if attempt >= maxRetries:
            raise failure
        log.warning("retrying after: %s", failure)
        attempt += 1
