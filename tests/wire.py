"""The process's open TCP sockets, read from ``/proc``, for the reliability
tests (Hawk checks are in ``hawkcheck``)."""

from __future__ import annotations

import os

def _proc_tcp() -> dict[int, tuple[int, int, str]]:
    """inode -> (local port, remote port, state) of every TCP socket."""
    table = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                lines = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
            table[inode] = (int(local.rsplit(":", 1)[1], 16),
                            int(remote.rsplit(":", 1)[1], 16), state)
    return table


def open_tcp_sockets() -> list[tuple[int, int, str]]:
    """(local port, remote port, state) of each TCP socket this process
    holds open: ``/proc/self/fd`` links ``socket:[inode]`` cross-checked
    with ``/proc/net/tcp``."""
    inodes = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink("/proc/self/fd/" + fd)
        except OSError:  # closed meanwhile (e.g. the listdir's own fd)
            continue
        if target.startswith("socket:["):
            inodes.append(int(target[8:-1]))
    table = _proc_tcp()
    return [table[i] for i in inodes if i in table]


def client_sockets(port: int) -> list[tuple[int, int, str]]:
    """The open sockets of this process connected to ``port`` (the clients'
    side of connections to the loopback server)."""
    return [s for s in open_tcp_sockets() if s[1] == port]


def server_sockets(port: int) -> list[tuple[int, int, str]]:
    """The loopback server's side: its listening socket and accepted ones."""
    return [s for s in open_tcp_sockets() if s[0] == port]
