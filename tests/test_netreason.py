"""taskcluster._netreason: the operating system's reason behind a failed
connection, found inside what requests and aiohttp raise, said plainly."""

import asyncio
import errno
import socket

import aiohttp
import pytest
import requests
from loopback import closed_port

from taskcluster._netreason import plain_reason


def test_a_refused_connection_through_requests():
    url = "http://127.0.0.1:%d/api/queue/v1/task/abc?secret=1" % closed_port()
    with pytest.raises(requests.ConnectionError) as info:
        requests.get(url, timeout=5)
    assert "Max retries exceeded" in str(info.value)      # what requests says
    port = url.split(":")[2].split("/")[0]
    assert plain_reason(info.value, url) == (
        "the connection was refused: nothing accepts connections at 127.0.0.1:%s" % port)


def test_a_refused_connection_through_aiohttp():
    url = "http://127.0.0.1:%d/x" % closed_port()

    async def fetch():
        async with aiohttp.ClientSession() as session:
            async with session.get(url):
                pass

    with pytest.raises(aiohttp.ClientConnectorError) as info:
        asyncio.run(fetch())
    assert plain_reason(info.value, url).startswith("the connection was refused: ")


def test_wrapped_causes_are_found_and_unknown_ones_are_left_alone():
    reset = ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
    outer = RuntimeError("wrapper")
    outer.__cause__ = ValueError(reset)
    assert plain_reason(outer, "https://tc.example.com/a") == \
        "the connection to tc.example.com:443 was reset"
    unresolved = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert plain_reason(OSError(unresolved), "http://nowhere.test:8080/") == \
        "the host name 'nowhere.test' could not be resolved (Name or service not known)"
    assert plain_reason(OSError(errno.EHOSTUNREACH, "x"), "http://[::1]:81/") == \
        "no route to [::1]:81 (the host is unreachable)"
    assert plain_reason(ValueError("something else"), "http://h/") is None
    loop = RuntimeError("a")
    loop.__context__ = loop                                  # a cycle ends
    assert plain_reason(loop, "http://h/") is None
