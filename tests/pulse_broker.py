"""A RabbitMQ broker of the tests' own: Debian's ``rabbitmq-server`` started as
a child process on free ports (AMQP, Erlang distribution, and its own epmd
through ERL_EPMD_PORT), with its own node name, cookie, mnesia and log
directories under a temporary folder, stopped at the end.  It never uses or
touches a system-wide broker: every command names this node and this epmd.

``session_broker()`` is the session fixture's body (tests/conftest.py):
it yields a :class:`Broker`, or skips with the reason when rabbitmq-server
is not installed (``nox -s pulse`` installs nothing but requires it:
PULSE_TESTS_REQUIRE_BROKER=1 turns the skip into a failure).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

_SERVER_CANDIDATES = ("/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/sbin/rabbitmq-server")
_CTL_CANDIDATES = ("/usr/lib/rabbitmq/bin/rabbitmqctl", "/usr/sbin/rabbitmqctl")
START_TIMEOUT = 120.0

# The broker runs under this shell, which holds its own epmd (in the
# foreground, on the broker's epmd port) and stops both when its stdin closes:
# when stop() closes it, or when the test process dies without stopping them.
_WRAPPER = r'''
"$PULSE_TEST_EPMD" -port "$ERL_EPMD_PORT" -address 127.0.0.1 &
epmd=$!
until "$PULSE_TEST_EPMD" -port "$ERL_EPMD_PORT" -names >/dev/null 2>&1; do
    kill -0 "$epmd" 2>/dev/null || exit 1
    sleep 0.1
done
"$PULSE_TEST_SERVER" &
server=$!
cat >/dev/null
kill -TERM "$server" 2>/dev/null; wait "$server"
kill -TERM "$epmd" 2>/dev/null; wait "$epmd"
'''


def _find(candidates):
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return None


def _free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Broker:
    def __init__(self, server, ctl):
        self.server, self.ctl_path = server, ctl
        self.dir = tempfile.mkdtemp(prefix="pulse-broker-")
        self.port, self.dist_port, self.epmd_port = _free_ports(3)
        self.node = "tcpulse%d@localhost" % self.port
        self.user = "tester"
        self.password = "pw-" + secrets.token_hex(12)
        self.url = "amqp://%s:%s@127.0.0.1:%d/" % (self.user, self.password, self.port)
        self.process = None
        for sub in ("mnesia", "log", "home"):
            os.mkdir(os.path.join(self.dir, sub))
        with open(os.path.join(self.dir, "rabbitmq.conf"), "w") as fh:
            fh.write("listeners.tcp.default = 127.0.0.1:%d\n"
                     "default_user = %s\ndefault_pass = %s\n"
                     "loopback_users = none\n" % (self.port, self.user, self.password))
        with open(os.path.join(self.dir, "enabled_plugins"), "w") as fh:
            fh.write("[].\n")
        open(os.path.join(self.dir, "rabbitmq-env.conf"), "w").close()
        self.env = dict(
            os.environ, HOME=os.path.join(self.dir, "home"),
            RABBITMQ_NODENAME=self.node, RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port), RABBITMQ_DIST_PORT=str(self.dist_port),
            ERL_EPMD_PORT=str(self.epmd_port), ERL_EPMD_ADDRESS="127.0.0.1",
            RABBITMQ_MNESIA_BASE=os.path.join(self.dir, "mnesia"),
            RABBITMQ_LOG_BASE=os.path.join(self.dir, "log"),
            RABBITMQ_CONFIG_FILE=os.path.join(self.dir, "rabbitmq"),
            RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(self.dir, "enabled_plugins"),
            RABBITMQ_CONF_ENV_FILE=os.path.join(self.dir, "rabbitmq-env.conf"),
            RABBITMQ_PID_FILE=os.path.join(self.dir, "rabbit.pid"))

    def start(self):
        self._out = open(os.path.join(self.dir, "server.out"), "wb")
        env = dict(self.env, PULSE_TEST_SERVER=self.server,
                   PULSE_TEST_EPMD=shutil.which("epmd") or "/usr/lib/erlang/bin/epmd")
        self.process = subprocess.Popen(["/bin/sh", "-c", _WRAPPER], env=env, stdout=self._out,
                                        stderr=subprocess.STDOUT, stdin=subprocess.PIPE,
                                        start_new_session=True, cwd=self.dir)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("rabbitmq-server exited (%s): %s"
                                   % (self.process.returncode, self.output()[-2000:]))
            if self._amqp_ready():
                return self
            time.sleep(0.5)
        raise RuntimeError("rabbitmq-server did not start within %ds: %s"
                           % (START_TIMEOUT, self.output()[-2000:]))

    def _amqp_ready(self):
        import amqp
        try:
            conn = amqp.Connection("127.0.0.1:%d" % self.port, userid=self.user,
                                   password=self.password, connect_timeout=2)
            conn.connect()
            conn.close()
            return True
        except Exception:
            return False

    def output(self):
        try:
            with open(os.path.join(self.dir, "server.out"), errors="replace") as fh:
                return fh.read()
        except OSError:
            return ""

    def ctl(self, *args, timeout=60):
        """rabbitmqctl against this broker's node only."""
        return subprocess.run([self.ctl_path, "-n", self.node, "-q", *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout, check=True
                              ).stdout

    def close_all_connections(self):
        self.ctl("close_all_connections", "test: connection killed")

    def queues(self):
        """name -> {durable, auto_delete, exclusive, type, messages}, from rabbitmqctl."""
        out = self.ctl("list_queues", "name", "durable", "auto_delete", "exclusive", "type",
                       "messages", "--no-table-headers")
        found = {}
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) == 6:
                found[parts[0]] = {"durable": parts[1] == "true",
                                   "auto_delete": parts[2] == "true",
                                   "exclusive": parts[3] == "true", "type": parts[4],
                                   "messages": int(parts[5]) if parts[5].isdigit() else None}
        return found

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.stdin.close()  # the wrapper stops the broker, then its epmd
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
            except ProcessLookupError:
                pass
        # Had the node started an epmd of its own on this port, it goes too.
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        subprocess.run([epmd, "-port", str(self.epmd_port), "-kill"], env=self.env,
                       capture_output=True, timeout=30, check=False)
        if getattr(self, "_out", None):
            self._out.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def session_broker():
    required = os.environ.get("PULSE_TESTS_REQUIRE_BROKER") == "1"
    try:
        import kombu  # noqa: F401
    except ImportError:
        if required:
            raise
        pytest.skip("the pulse extra is not installed (pip install "
                    "'taskcluster-refclient[pulse]'; nox -s pulse runs these tests)")
    server, ctl = _find(_SERVER_CANDIDATES), _find(_CTL_CANDIDATES)
    if not server or not ctl:
        if required:
            raise RuntimeError("rabbitmq-server is not installed (apt-get install "
                               "rabbitmq-server)")
        pytest.skip("no RabbitMQ broker: rabbitmq-server is not installed (apt-get install "
                    "rabbitmq-server; nox -s pulse runs these tests against a broker of "
                    "their own)")
    broker = Broker(server, ctl)
    try:
        broker.start()
        yield broker
    finally:
        broker.stop()
