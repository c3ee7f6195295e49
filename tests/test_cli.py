"""The command line (``python -m taskcluster``) against a real HTTP server on
127.0.0.1: every method through ``api``, payloads from an argument, a file
and stdin, exit statuses, a pipe versus a terminal, bad input of each kind,
``signed-url`` and ``routing-key`` against the library, shell completion.
Each run is a child process, as a user runs it."""

from __future__ import annotations

import json
import sys
from urllib.parse import unquote

import pytest
from cli_run import ACCESS_TOKEN, CLIENT_ID, environment, run, run_on_terminal
from hawkcheck import verify_bewit, verify_request
from loopback import Reply, closed_port
from mohawk.exc import TokenExpired

import taskcluster
from taskcluster._references import load

TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"


@pytest.fixture
def env(server):
    return environment(server.url, credentials=True)


# -- api: calls --------------------------------------------------------------

def test_a_get_call_prints_the_answer_as_compact_json_on_a_pipe(server, env):
    server.plan(Reply(200, {"taskId": TASK_ID, "ünï": "côdé"}))
    r = run("api", "queue", "task", TASK_ID, env=env)
    assert (r.code, r.err) == (0, "")
    assert r.out == '{"taskId":"%s","ünï":"côdé"}\n' % TASK_ID
    (rec,) = server.requests
    assert (rec.method, rec.target) == ("GET", "/api/queue/v1/task/%s" % TASK_ID)
    verify_request(server, rec, CLIENT_ID, ACCESS_TOKEN)


def test_on_a_terminal_the_answer_is_indented(server, env):
    server.plan(Reply(200, {"a": [1, 2], "b": {"c": "d"}}))
    r = run_on_terminal("api", "queue", "task", TASK_ID, env=env)
    assert r.code == 0, r.err
    assert r.out == json.dumps({"a": [1, 2], "b": {"c": "d"}}, indent=2) + "\n"


PAYLOAD = {"provisionerId": "p", "unicode": "名前 🐉", "n": 1.5, "list": [None, True]}


@pytest.mark.parametrize("how", ["argument", "file", "stdin"])
def test_the_payload_comes_from_an_argument_a_file_or_stdin(server, env, tmp_path, how):
    text = json.dumps(PAYLOAD, ensure_ascii=False, indent=1)
    stdin = None
    if how == "argument":
        source = text
    elif how == "file":
        (tmp_path / "task.json").write_text(text, encoding="utf-8")
        source = "@%s" % (tmp_path / "task.json")
    else:
        source, stdin = "-", text
    r = run("api", "queue", "createTask", TASK_ID, source, env=env, stdin=stdin)
    assert r.code == 0, r.err
    (rec,) = server.requests
    assert (rec.method, rec.path) == ("PUT", "/api/queue/v1/task/%s" % TASK_ID)
    assert json.loads(rec.body) == PAYLOAD
    # Sent as the library sends it: compact UTF-8 JSON.
    assert rec.body == json.dumps(PAYLOAD, separators=(",", ":"), ensure_ascii=False).encode()
    verify_request(server, rec, CLIENT_ID, ACCESS_TOKEN)
    assert json.loads(r.out) == {"method": "PUT", "target": rec.target}


def test_query_keys_are_encoded_as_the_library_encodes_them(server, env):
    r = run("api", "queue", "listTaskGroup", "g1", "--query", "limit=17",
            "-q", "continuationToken=tok/en+with spaces&more=1", env=env)
    assert r.code == 0, r.err
    (rec,) = server.requests
    expected = taskcluster.Queue({"rootUrl": server.url}).buildUrl(
        "listTaskGroup", "g1", query={"limit": "17",
                                      "continuationToken": "tok/en+with spaces&more=1"})
    assert server.url + rec.target == expected


def test_all_pages_prints_each_page_as_one_json_value(server, env):
    server.plan(Reply(200, {"tasks": [1], "continuationToken": "c/1"}),
                Reply(200, {"tasks": [2]}))
    r = run("api", "queue", "listTaskGroup", "g1", "-q", "limit=1", "--all-pages", env=env)
    assert r.code == 0, r.err
    assert r.out == '{"tasks":[1],"continuationToken":"c/1"}\n{"tasks":[2]}\n'
    assert [rec.target for rec in server.requests] == [
        "/api/queue/v1/task-group/g1/list?limit=1",
        "/api/queue/v1/task-group/g1/list?limit=1&continuationToken=c%2F1"]
    r = run("api", "queue", "task", TASK_ID, "--all-pages", env=env)
    assert r.code == 2 and "No such option '--all-pages'" in r.err


def test_route_arguments_are_percent_encoded_in_their_own_segment(server, env):
    r = run("api", "queue", "getLatestArtifact", TASK_ID, "public/logs/../x?y#z", env=env)
    assert r.code == 0, r.err
    (rec,) = server.requests
    assert rec.path == "/api/queue/v1/task/%s/artifacts/public%%2Flogs%%2F..%%2Fx%%3Fy%%23z" \
        % TASK_ID


def test_a_route_argument_starting_with_a_dash_goes_after_double_dash(server, env):
    r = run("api", "queue", "task", "-xN1SbArXTPSVFNUvaOlinQ", env=env)
    assert r.code == 2 and "goes after '--': ... -- -xN1SbArXTPSVFNUvaOlinQ" in r.err
    assert server.requests == []
    r = run("api", "queue", "task", "--", "-xN1SbArXTPSVFNUvaOlinQ", env=env)
    assert r.code == 0, r.err
    assert server.requests[0].path == "/api/queue/v1/task/-xN1SbArXTPSVFNUvaOlinQ"


def test_an_empty_answer_prints_nothing(server, env):
    server.plan(Reply(204))
    r = run("api", "queue", "ping", env=env)
    assert (r.code, r.out, r.err) == (0, "", "")


def test_without_credentials_calls_are_unsigned(server):
    r = run("api", "queue", "task", TASK_ID, env=environment(server.url))
    assert r.code == 0, r.err
    assert "authorization" not in server.requests[0].headers


def test_global_root_url_and_authorized_scopes(server):
    env = environment(None, credentials=True)
    r = run("--root-url", server.url + "/", "--authorized-scope", "queue:get-task:*",
            "api", "queue", "task", TASK_ID, env=env)
    assert r.code == 0, r.err
    (rec,) = server.requests
    receiver = verify_request(server, rec, CLIENT_ID, ACCESS_TOKEN)
    import base64
    ext = json.loads(base64.b64decode(receiver.parsed_header["ext"]))
    assert ext == {"authorizedScopes": ["queue:get-task:*"]}


# -- api: listings and help --------------------------------------------------

def test_a_service_without_a_method_lists_its_methods_with_titles():
    r = run("api", "queue")
    assert r.code == 0, r.err
    entries = list(load("Queue").entries.values())
    lines = r.out.splitlines()
    assert len(lines) == len(entries)
    for line, entry in zip(lines, entries):
        name, method, title = line.split(None, 2)
        assert (name, method, title) == (entry.name, entry.method.upper(), entry.title)


def test_api_alone_lists_the_services():
    r = run("api")
    names = [line.split()[0] for line in r.out.splitlines()]
    assert r.code == 0
    assert names == sorted(s for s, k in taskcluster._SERVICES.values() if k == "api")


def test_a_method_help_shows_route_arguments_query_scopes_and_payload():
    r = run("api", "queue", "listTaskGroup", "--help")
    assert r.code == 0, r.err
    entry = load("Queue").entries["listTaskGroup"]
    assert "GET %s" % entry.route in r.out
    assert "Arguments: <taskGroupId>" in r.out
    assert "Query keys: continuationToken, limit" in r.out
    assert "queue:list-task-group:<taskGroupId>" in r.out
    r = run("api", "queue", "createTask", "--help")
    assert "PUT /task/<taskId>" in r.out
    assert "queue/v1/create-task-request.json" in r.out     # the payload's schema
    assert "queue:create-task:project:<projectId>" in r.out  # scopes, nested expression
    assert "<taskId> PAYLOAD" in r.out.splitlines()[0]


def test_service_names_are_accepted_as_the_go_client_and_the_classes_write_them(server, env):
    for name in ("worker-manager", "workerManager", "WorkerManager"):
        r = run("api", name, "listWorkerPools", env=env)
        assert r.code == 0, r.err
    assert [rec.path for rec in server.requests] == ["/api/worker-manager/v1/worker-pools"] * 3


# -- exit statuses and errors ------------------------------------------------

def test_an_api_error_is_one_line_and_exit_1(server, env):
    server.plan(Reply(404, {"code": "ResourceNotFound", "message": "no such task\nmore"}))
    r = run("api", "queue", "task", TASK_ID, env=env)
    assert (r.code, r.out) == (1, "")
    (line,) = r.err_lines
    assert "Queue.task" in line and "404 ResourceNotFound" in line and "no such task" in line
    assert "Traceback" not in r.err


def test_a_connection_failure_is_exit_1_after_the_retries_asked_for():
    env = environment("http://127.0.0.1:%d" % closed_port(), credentials=True)
    r = run("--max-retries", "0", "api", "queue", "task", TASK_ID, env=env)
    assert r.code == 1
    (line,) = r.err_lines
    assert "Queue.task" in line and "failed after 1 attempt" in line


def test_debug_adds_the_traceback(server, env):
    server.plan(Reply(403, {"code": "InsufficientScopes", "message": "nope"}))
    r = run("--debug", "api", "queue", "task", TASK_ID, env=env)
    assert r.code == 1
    assert "Traceback" in r.err and "TaskclusterRestFailure" in r.err
    assert r.err_lines[-1].endswith("403 InsufficientScopes: nope")


USAGE_ERRORS = [
    # (arguments, stdin, what the one line must say)
    (["nosuch"], None, "unknown command 'nosuch'"),
    (["--nosuch"], None, "No such option '--nosuch'"),
    (["api", "queu"], None, "unknown service 'queu' (did you mean 'queue'?)"),
    (["api", "queue", "taks"], None, "unknown queue method 'taks'"),
    (["api", "queue", "task"], None, "Missing argument '<taskId>'"),
    (["api", "queue", "task", "a", "b"], None, "Got unexpected extra argument (b)"),
    (["api", "queue", "createTask", TASK_ID], None, "Missing argument 'PAYLOAD'"),
    (["api", "queue", "createTask", TASK_ID, "{not json"], None, "is not JSON"),
    (["api", "queue", "createTask", TASK_ID, "-"], "", "the payload in stdin is not JSON"),
    (["api", "queue", "createTask", TASK_ID, "@/nonexistent/task.json"], None,
     "cannot read the payload from /nonexistent/task.json: No such file or directory"),
    (["api", "queue", "listTaskGroup", "g", "-q", "limit"], None, "--query takes KEY=VALUE"),
    (["api", "queue", "listTaskGroup", "g", "-q", "nope=1"], None,
     "unknown query key 'nope' (query keys: continuationToken, limit)"),
    (["api", "queue", "task", "."], None, "'.'"),
    (["signed-url", "queue", "createTask", "x"], None, "signed URLs are for GET methods"),
    (["signed-url", "queue", "task", "x", "--expires", "soon"], None,
     "--expires 'soon' is not a duration"),
    (["signed-url", "queue", "task", "x", "--expires", "0"], None, "positive duration"),
    (["routing-key", "queue", "taskCompleted", "taskId=a.b"], None, "cannot contain a dot"),
    (["routing-key", "queue", "taskCompleted", "nope=1"], None, "unknown routing-key part"),
    (["routing-key", "queue", "taskCompleted", "abc"], None, "give routing-key parts as PART=VALUE"),
    (["routing-key", "queue", "taskCompleted", "taskId=a", "taskId=b"], None, "given twice"),
    (["routing-key", "queue", "nosuch"], None, "unknown queue exchange 'nosuch'"),
    (["--max-retries", "-1", "api", "queue", "ping"], None, "--max-retries"),
]


@pytest.mark.parametrize("args,stdin,message", USAGE_ERRORS,
                         ids=[" ".join(a)[:50] for a, _, _ in USAGE_ERRORS])
def test_usage_errors_are_one_line_exit_2_and_send_nothing(server, env, args, stdin, message):
    r = run(*args, env=env, stdin=stdin)
    assert (r.code, r.out) == (2, ""), r.err
    assert len(r.err_lines) == 1, r.err
    assert message in r.err
    assert "Traceback" not in r.err
    assert server.requests == [] and server.connections == 0


@pytest.mark.parametrize("args", [[], ["task"], ["slugid"], ["download"]])
def test_a_command_without_its_subcommand_prints_its_help_and_exit_2(args):
    r = run(*args)
    assert (r.code, r.out) == (2, "")
    assert r.err.startswith("Usage: python -m taskcluster %s" % " ".join(args).strip())
    assert "Commands:" in r.err


def test_no_root_url_says_how_to_give_one():
    r = run("api", "queue", "task", TASK_ID, env=environment(None, credentials=True))
    assert r.code == 2
    assert r.err_lines == ["taskcluster-py: no rootUrl: set TASKCLUSTER_ROOT_URL or pass "
                           "--root-url".replace("taskcluster-py", "python -m taskcluster")]


def test_signed_url_without_credentials_says_which_variables_to_set(server):
    r = run("signed-url", "queue", "task", TASK_ID, env=environment(server.url))
    assert r.code == 2
    assert "set TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN" in r.err


def test_a_refused_certificate_is_reported_without_its_text(server):
    env = environment(server.url, credentials=True,
                      TASKCLUSTER_CERTIFICATE='{"version": 1, "signature": "SIGNATURE-TEXT"')
    r = run("api", "queue", "task", TASK_ID, env=env)
    assert r.code == 2 and len(r.err_lines) == 1
    assert "certificate" in r.err and "SIGNATURE-TEXT" not in r.err
    assert server.requests == []


# -- signed-url and routing-key: the library's own output ---------------------

def test_signed_url_is_the_librarys_and_verifies(server, env):
    now_ms = 1795000000123
    env["_TASKCLUSTER_CLI_NOW"] = str(now_ms)
    r = run("signed-url", "queue", "getLatestArtifact", TASK_ID, "private/a b.txt",
            "--expires", "10m", env=env)
    assert r.code == 0, r.err
    url = r.out.strip()
    library = taskcluster.Queue({"rootUrl": server.url, "credentials": {
        "clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN}}, clock=lambda: now_ms / 1000)
    assert url == library.buildSignedUrl("getLatestArtifact", TASK_ID, "private/a b.txt",
                                         expiration=600)
    assert verify_bewit(url, CLIENT_ID, ACCESS_TOKEN, now=now_ms / 1000 + 599)
    with pytest.raises(TokenExpired):
        verify_bewit(url, CLIENT_ID, ACCESS_TOKEN, now=now_ms / 1000 + 601)
    assert server.requests == []  # signing sends nothing


def test_a_signed_url_made_now_is_accepted_by_the_server(server, env):
    r = run("signed-url", "queue", "task", TASK_ID, env=env)
    assert r.code == 0, r.err
    url = r.out.strip()
    assert url.startswith(server.url + "/api/queue/v1/task/%s?bewit=" % TASK_ID)
    assert verify_bewit(url, CLIENT_ID, ACCESS_TOKEN)


def test_routing_key_is_the_librarys_binding():
    r = run("routing-key", "queue", "task-completed", "taskId=abc", "reserved=x.y")
    assert r.code == 0, r.err
    assert r.out == json.dumps(
        taskcluster.QueueEvents().taskCompleted(taskId="abc", reserved="x.y"),
        separators=(",", ":"), ensure_ascii=False) + "\n"
    assert json.loads(r.out)["routingKeyPattern"] == "primary.abc.*.*.*.*.*.*.*.x.y"


def test_routing_key_lists_exchanges_and_services():
    r = run("routing-key", "queue")
    assert r.code == 0
    # named as they are completed and as the README writes them: task-completed
    assert [line.split()[0] for line in r.out.splitlines()] == \
        [e.exchange for e in load("QueueEvents").entries.values()]
    r = run("routing-key")
    assert r.out.split() == sorted(s for s, k in taskcluster._SERVICES.values()
                                   if k == "exchanges")


# -- completion, startup -----------------------------------------------------

def complete(words: str):
    """What bash completion offers for ``words`` (the last one being typed)."""
    parts = words.split(" ")
    env = environment(None, _TASKCLUSTER_PY_COMPLETE="bash_complete", COMP_WORDS=words,
                      COMP_CWORD=str(len(parts) - 1))
    import subprocess
    proc = subprocess.run(
        [sys.executable, "-c", "from taskcluster._cli import console_main; console_main()"],
        env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    # bash_complete answers "type,value" lines
    return [line.split(",", 1)[1] for line in proc.stdout.splitlines() if line]


def test_completion_offers_subcommands_services_methods_and_exchanges():
    assert {"api", "signed-url", "routing-key", "slugid", "task"} <= set(complete("taskcluster-py "))
    assert complete("taskcluster-py api wor") == ["worker-manager"]
    assert complete("taskcluster-py api queue listTask") == ["listTaskGroup",
                                                            "listTaskQueues"]
    assert complete("taskcluster-py signed-url queue create") == []  # GET methods only
    # Exchanges in the kebab case of their names on the wire (and the README);
    # an entry name begun in camel case is completed as such.
    assert complete("taskcluster-py routing-key queue task-c") == ["task-completed"]
    assert "task-group-resolved" in complete("taskcluster-py routing-key queue ")
    assert not [n for n in complete("taskcluster-py routing-key queue ") if n != n.lower()]
    assert complete("taskcluster-py routing-key queue taskCo") == ["taskCompleted"]
    assert "taskId=" in complete("taskcluster-py routing-key queue task-completed ta")
    assert "taskId=" in complete("taskcluster-py routing-key queue taskCompleted ta")
    assert complete("taskcluster-py api nosuch ") == []


def test_completion_prints_a_script_for_each_shell():
    for shell in ("bash", "zsh", "fish"):
        r = run("completion", shell)
        assert r.code == 0 and "_TASKCLUSTER_PY_COMPLETE" in r.out, r.err


def test_version_and_help():
    r = run("--version")
    assert r.code == 0 and r.out.split()[-1] == taskcluster.__version__
    r = run("--help")
    assert r.code == 0 and "routing-key" in r.out and "TASKCLUSTER_CLIENT_ID" in r.out


def test_importing_the_package_does_not_import_the_command_line():
    import subprocess
    out = subprocess.run([sys.executable, "-c", "import sys, taskcluster; print(sorted("
                          "m for m in ('click', 'taskcluster._cli') if m in sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("args", [["slugid", "generate"], ["from-now", "1 hour"]])
def test_offline_commands_load_neither_references_nor_http(args):
    """What keeps them fast: the modules a run of the command imports."""
    import subprocess
    code = ("import sys; from taskcluster._cli import main\n"
            "code = main(%r)\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr); sys.exit(code)" % (args,))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environment(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    modules = set(proc.stderr.split())
    assert {"click", "taskcluster._cli.misc"} <= modules  # the list is real
    assert not modules & {"requests", "urllib3", "http.client", "taskcluster._references",
                          "taskcluster._client", "taskcluster._cli.api"}


def test_the_answer_decodes_unicode_and_urls_round_trip(server, env):
    r = run("api", "index", "findTask", "ünï.côdé", env=env)
    assert r.code == 0, r.err
    assert unquote(server.requests[0].path) == "/api/index/v1/task/ünï.côdé"
