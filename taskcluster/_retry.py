"""Retry policy: which outcomes are retried, and how long to wait.

As Node's client: 5xx answers and failures without an answer are retried,
4xx never; after attempt ``n`` (1-based) the wait is
``2**n * delayFactor * U(1 - rf, 1 + rf)``, capped at ``maxDelay``.
``random`` is injectable so tests can check exact delays.
"""

from __future__ import annotations

import random as _random
from typing import Callable

__all__ = ["backoff_delay", "is_retriable_status"]


def backoff_delay(attempt: int, delay_factor: float, randomization_factor: float,
                  max_delay: float, random: Callable[[], float] = _random.random) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1 for the first)."""
    delay = (2 ** attempt) * delay_factor
    rf = randomization_factor
    delay *= random() * 2 * rf + 1 - rf
    return min(delay, max_delay)


def is_retriable_status(status: int) -> bool:
    return 500 <= status < 600
