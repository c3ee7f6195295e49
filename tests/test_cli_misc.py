"""The offline commands (taskcluster._cli.misc: slugid, from-now,
scope-match, temp-creds) and ``references refresh``, as child processes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import uuid
from pathlib import Path

import pytest
from cli_run import ACCESS_TOKEN, CLIENT_ID, command, environment, run
from hawkcheck import verify_request
from loopback import Reply

from taskcluster.utils import createTemporaryCredentials, fromNowJSON

NOW_MS = 1795000000123
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
REPO_REFERENCES = Path(__file__).resolve().parents[1] / "references"


# -- slugid --------------------------------------------------------------------

def test_slugid_generate_makes_v4_uuids():
    for args in (["generate"], ["generate", "--nice"]):
        slugs = [run("slugid", *args).out.strip() for _ in range(3)]
        assert len(set(slugs)) == 3
        for slug in slugs:
            u = uuid.UUID(bytes=base64.urlsafe_b64decode(slug + "=="))
            assert (len(slug), u.version, u.variant) == (22, 4, uuid.RFC_4122)
            if args[-1] == "--nice":
                assert u.bytes[0] < 0x80  # never starts with "-"


def test_slugid_encode_and_decode_round_trip():
    u = "7c8d8f1e-2b3a-4c5d-9e6f-0a1b2c3d4e5f"
    slug = run("slugid", "encode", u).out.strip()
    assert slug == base64.urlsafe_b64encode(uuid.UUID(u).bytes).decode()[:22]
    assert run("slugid", "decode", slug).out.strip() == u
    # uppercase and braced forms of a UUID are the same UUID
    assert run("slugid", "encode", "{%s}" % u.upper()).out.strip() == slug


@pytest.mark.parametrize("args,message", [
    (["encode", "not-a-uuid"], "'not-a-uuid' is not a UUID"),
    (["decode", "short"], "'short' is not a slug id"),
    (["decode", "fN1SbArXTPSVFNUvaOlinB"], "is not a slug id"),   # padding bits set
    (["decode", "fN1SbArXTPSVFNUvaOli+Q"], "is not a slug id"),   # not URL-safe
    (["frobnicate"], "No such command 'frobnicate'"),
])
def test_slugid_bad_input(args, message):
    r = run("slugid", *args)
    assert r.code == 2 and len(r.err_lines) == 1 and message in r.err, r.err


# -- from-now ------------------------------------------------------------------

@pytest.mark.parametrize("offset", ["2 hours", "-1d", "1 year 2 months 3 weeks", "30 min",
                                    "-3h 15m", "0s"])
def test_from_now_is_the_librarys_fromNowJSON(offset):
    r = run("from-now", *offset.split(), env=environment(_TASKCLUSTER_CLI_NOW=str(NOW_MS)))
    assert r.code == 0, r.err
    reference = EPOCH + dt.timedelta(milliseconds=NOW_MS)
    assert r.out == fromNowJSON(offset, reference) + "\n"


def test_from_now_uses_the_clock():
    r = run("from-now", "0 seconds")
    at = dt.datetime.strptime(r.out.strip(), "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=dt.timezone.utc)
    assert abs((at - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 60


@pytest.mark.parametrize("args", [["soon"], ["2", "fortnights"], []])
def test_from_now_bad_offsets(args):
    r = run("from-now", *args)
    assert r.code == 2 and len(r.err_lines) == 1, r.err


# -- scope-match ------------------------------------------------------------------

@pytest.mark.parametrize("args,matched", [
    (["queue:*", "-r", "queue:create-task:x"], True),
    (["queue:*", "index:a", "-r", "queue:x", "-r", "index:a"], True),
    (["queue:*", "-r", "queue:x", "-r", "index:a"], False),
    (["-r", "a"], False),
    (["b", "--any-of", '[["a"], ["b"]]'], True),
    (["c", "--any-of", '[["a"], ["b", "c"]]'], False),
    (["queue:create-task:*", "-r", "queue:create-task"], False),   # * is no wildcard for less
])
def test_scope_match_prints_and_exits_as_test_does(args, matched):
    r = run("scope-match", *args)
    assert (r.code, r.out) == ((0, "true\n") if matched else (1, "false\n")), r.err


def test_scope_match_reads_alternatives_from_stdin():
    r = run("scope-match", "x", "--any-of", "-", stdin='[["y"], ["x"]]')
    assert (r.code, r.out) == (0, "true\n")


@pytest.mark.parametrize("args", [["a"], ["a", "-r", "b", "--any-of", "[]"],
                                  ["a", "--any-of", '["a"]'], ["a", "--any-of", "{"]])
def test_scope_match_bad_input(args):
    r = run("scope-match", *args)
    assert r.code == 2 and r.out == "" and len(r.err_lines) == 1, r.err


# -- temp-creds ---------------------------------------------------------------------

def exported(script: str) -> dict:
    """What a POSIX shell has in its environment after eval-ing ``script``."""
    names = ["TASKCLUSTER_ROOT_URL", "TASKCLUSTER_CLIENT_ID", "TASKCLUSTER_ACCESS_TOKEN",
             "TASKCLUSTER_CERTIFICATE"]
    out = subprocess.run(["sh", "-c", 'eval "$1"; for n in %s; do eval "printf \'%%s\\0\' '
                          '\\"\\${$n-UNSET}\\""; done' % " ".join(names), "sh", script],
                         capture_output=True, text=True, check=True).stdout
    return {k: v for k, v in zip(names, out.split("\0")) if v != "UNSET"}


@pytest.mark.parametrize("name", [None, "project/me/temp"])
def test_temp_creds_are_the_librarys_and_eval_in_a_shell(server, name):
    env = environment(server.url, credentials=True, _TASKCLUSTER_CLI_NOW=str(NOW_MS))
    args = ["temp-creds", "-s", "queue:get-artifact:private/*", "-s", "ünï côdé's scope",
            "--expires", "2h"] + (["--name", name] if name else [])
    r = run(*args, env=env)   # run() also checks the issuer's token is not printed
    assert r.code == 0 and r.err == "", r.err
    made = exported(r.out)
    assert made["TASKCLUSTER_ROOT_URL"] == server.url
    cert = json.loads(made["TASKCLUSTER_CERTIFICATE"])
    # Two hours from the pinned clock, starting five minutes before it.
    assert (cert["start"], cert["expiry"]) == (NOW_MS - 300000, NOW_MS + 7200000)
    assert cert["scopes"] == ["queue:get-artifact:private/*", "ünï côdé's scope"]
    # The library, given the same seed and times, makes the very same credentials.
    same = createTemporaryCredentials(
        CLIENT_ID, ACCESS_TOKEN, EPOCH + dt.timedelta(milliseconds=cert["start"]),
        EPOCH + dt.timedelta(milliseconds=cert["expiry"]), cert["scopes"], name,
        seed=cert["seed"])
    assert {"clientId": made["TASKCLUSTER_CLIENT_ID"],
            "accessToken": made["TASKCLUSTER_ACCESS_TOKEN"],
            "certificate": made["TASKCLUSTER_CERTIFICATE"]} == same
    assert made["TASKCLUSTER_CLIENT_ID"] == (name or CLIENT_ID)
    # And they sign calls: exported, they are what the next command uses.
    run("api", "queue", "task", "t", env=environment(**made))
    (rec,) = server.requests
    verify_request(server, rec, made["TASKCLUSTER_CLIENT_ID"], made["TASKCLUSTER_ACCESS_TOKEN"])


def test_temp_creds_up_to_31_days_start_no_earlier_than_31_days_before_expiry():
    env = environment(None, credentials=True, _TASKCLUSTER_CLI_NOW=str(NOW_MS))
    cert = json.loads(exported(run("temp-creds", "-e", "31d", env=env).out)
                      ["TASKCLUSTER_CERTIFICATE"])
    assert cert["expiry"] - cert["start"] == 31 * 86400000
    assert cert["expiry"] == NOW_MS + 31 * 86400000


@pytest.mark.parametrize("args,env,message", [
    (["-s", "a"], {}, "set TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN"),
    (["-e", "32d"], None, "at most 31 days"),
    (["-e", "-1h"], None, "at most 31 days"),
    (["-e", "later"], None, "is not a duration"),
    (["-s", "a"], {"TASKCLUSTER_CERTIFICATE": '{"version":1}'}, "temporary credentials cannot"),
    (["-n", CLIENT_ID], None, "name"),
])
def test_temp_creds_bad_input(args, env, message):
    base = environment(None, credentials=env is not None or True)
    if env == {}:
        base = environment(None)
    elif env:
        base.update(env)
    r = run("temp-creds", *args, env=base)
    assert (r.code, r.out) == (2, ""), r.err
    assert len(r.err_lines) == 1 and message in r.err, r.err


# -- references refresh -------------------------------------------------------------

def deploy(server):
    """The repository's references and schemas, served as a deployment serves
    them (under /references/ and /schemas/)."""
    for path in REPO_REFERENCES.rglob("*.json"):
        relative = str(path.relative_to(REPO_REFERENCES))
        where = "/" + relative if relative.startswith("schemas/") else "/references/" + relative
        server.serve(where, Reply(200, json.loads(path.read_text("utf-8"))))


def test_references_refresh_writes_what_the_deployment_serves(server, tmp_path):
    deploy(server)
    r = run("references", "refresh", "--root-url", server.url, "--dest", str(tmp_path / "refs"))
    assert r.code == 0, r.err
    assert r.err == "wrote 17 references and 166 schemas to %s\n" % (tmp_path / "refs")
    written = sorted(str(p.relative_to(tmp_path / "refs")) for p in (tmp_path / "refs").rglob("*.json"))
    assert written == sorted(str(p.relative_to(REPO_REFERENCES)) for p in REPO_REFERENCES.rglob("*.json"))
    for name in written:
        assert json.loads((tmp_path / "refs" / name).read_text()) == \
            json.loads((REPO_REFERENCES / name).read_text())


def test_references_refresh_takes_the_root_url_from_the_environment(server, tmp_path):
    deploy(server)
    r = run("references", "refresh", "--dest", "refs", env=environment(server.url),
            cwd=str(tmp_path))
    assert r.code == 0, r.err
    assert (tmp_path / "refs" / "manifest.json").is_file()


def test_references_refresh_failures(server, tmp_path):
    r = run("references", "refresh", "--dest", str(tmp_path))
    assert r.code == 2 and "give --root-url" in r.err
    deploy(server)
    server.serve("/references/queue/v1/api.json", Reply(404, {"code": "NotFound"}))
    r = run("references", "refresh", "--root-url", server.url, "--dest", str(tmp_path / "x"))
    assert r.code == 1 and len(r.err_lines) == 1 and "404" in r.err
    assert not (tmp_path / "x").exists()


def test_the_console_script_runs_the_same_command_line():
    """``python -m taskcluster`` is what the tests run; the installed
    ``taskcluster-py`` script is the same entry point."""
    import sys
    script = Path(sys.executable).parent / "taskcluster-py"
    if not script.exists():
        # Installed without scripts (e.g. --no-deps into a foreign prefix):
        # the entry point is the function the script calls.
        proc = subprocess.run([sys.executable, "-c", "import sys; from taskcluster._cli import "
                               "console_main; sys.argv[0] = 'taskcluster-py'; console_main()",
                               "slugid", "frobnicate"], capture_output=True, text=True)
    else:
        proc = subprocess.run([str(script), "slugid", "frobnicate"], capture_output=True,
                              text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("taskcluster-py slugid: No such command 'frobnicate'")
    assert command("x")[1:3] == ["-m", "taskcluster"]
