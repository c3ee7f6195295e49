"""The refresh command against a deployment served from 127.0.0.1: the shared
release-106 bundle, served under ``/references/`` as a deployment serves it.

Where the shared bundle is not beside the repository (a checkout on its own),
the same deployment is assembled from the repository's ``references/``, with
logs and metrics references added to the manifest as a deployment lists them."""

import json
import os
from pathlib import Path

import pytest
from loopback import Reply

from taskcluster import refresh
from taskcluster._references import references_dir

BUNDLE = Path(__file__).resolve().parents[2] / "shared" / "data" / \
    "taskcluster-references-v106.json"
REPO_REFERENCES = Path(__file__).resolve().parents[1] / "references"



def _bundle_from_repository() -> dict:
    # references/schemas/<path> is what a deployment serves at /schemas/<path>
    files = {}
    for p in sorted(REPO_REFERENCES.rglob("*.json")):
        name = str(p.relative_to(REPO_REFERENCES))
        files[name if name.startswith("schemas/") else "references/" + name] = \
            json.loads(p.read_text("utf-8"))
    manifest = files["references/manifest.json"]
    extra = []
    for ref in manifest["references"]:
        service = ref.split("/")[2]
        for kind in ("logs", "metrics"):
            name = "references/%s/v1/%s.json" % (service, kind)
            files[name] = {"serviceName": service, "entries": []}
            extra.append("/" + name)
    files["references/manifest.json"] = dict(manifest, references=sorted(
        set(manifest["references"]) | set(extra)))
    return files


@pytest.fixture(scope="module")
def bundle():
    if BUNDLE.is_file():
        return {f["filename"]: f["content"] for f in json.loads(BUNDLE.read_text("utf-8"))}
    return _bundle_from_repository()


def deploy(server, bundle, absolute=False):
    """Serve every file of the bundle at ``/<filename>``, as a deployment does."""
    for filename, content in bundle.items():
        if absolute and filename == "references/manifest.json":
            content = dict(content, references=[server.url + r for r in content["references"]])
        server.serve("/" + filename, Reply(200, content))


def tree(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("trailing_slash", [False, True])
def test_refresh_writes_the_repository_references(server, bundle, tmp_path, capsys,
                                                  trailing_slash):
    deploy(server, bundle)
    root_url = server.url + ("/" if trailing_slash else "")
    assert refresh.main(["--root-url", root_url, "--dest", str(tmp_path)]) == 0
    written = tree(tmp_path)
    expected = tree(REPO_REFERENCES)
    schemas = sorted(name for name in expected if name.startswith("schemas/"))
    assert len(expected) - len(schemas) == 18   # 17 documents and the manifest
    assert len(schemas) == 166                  # named by them, or reached by a $ref
    assert sorted(written) == sorted(expected)
    for name in expected:
        assert written[name] == expected[name], name
    assert "wrote 17 references and 166 schemas" in capsys.readouterr().err  # a message: stderr
    # what was fetched: the manifest, then each API and exchanges document once
    # (logs and metrics references are skipped), then each schema once
    fetched = [r.path for r in server.requests]
    assert fetched[0] == "/references/manifest.json"
    assert sorted(fetched[1:18]) == sorted("/references/" + name for name in expected
                                           if name != "manifest.json" and name not in schemas)
    assert sorted(fetched[18:]) == sorted("/" + name for name in schemas)
    assert all(r.method == "GET" for r in server.requests)


def test_every_schema_a_reference_names_is_shipped():
    for path in REPO_REFERENCES.glob("*/v1/*.json"):
        doc = json.loads(path.read_text("utf-8"))
        for e in doc["entries"]:
            for key in ("input", "output", "schema"):
                if e.get(key):
                    shipped = REPO_REFERENCES / "schemas" / doc["serviceName"] / \
                        e[key].split("#")[0]
                    assert shipped.is_file(), (path, e["name"], key)


def test_schema_ids_served_absolute_are_written_relative(server, bundle, tmp_path):
    # A live deployment serves "$id": "<rootUrl>/schemas/..."; the tree keeps
    # the source tree's relative form, the same for every deployment.
    deploy(server, {name: dict(content, **{"$id": server.url + "/" + name + "#"})
                    if name.startswith("schemas/") else content
                    for name, content in bundle.items()})
    assert refresh.main(["--root-url", server.url, "--dest", str(tmp_path)]) == 0
    assert tree(tmp_path) == tree(REPO_REFERENCES)


def test_a_missing_schema_writes_nothing(server, bundle, tmp_path, capsys):
    deploy(server, bundle)
    server.serve("/schemas/queue/v1/task.json", Reply(404, {"code": "NotFound"}))
    assert refresh.main(["--root-url", server.url, "--dest", str(tmp_path)]) == 1
    assert list(tmp_path.iterdir()) == []
    err = capsys.readouterr().err
    assert err.startswith("taskcluster-refresh-references: references refresh: ") and "404" in err


def test_a_schema_ref_cannot_write_outside_dest(server, bundle, tmp_path, capsys):
    deploy(server, bundle)
    task = bundle["schemas/queue/v1/task.json"]
    server.serve("/schemas/queue/v1/task.json", Reply(200, dict(
        task, properties=dict(task["properties"], x={"$ref": "../../../escaped.json#"}))))
    dest = tmp_path / "dest"
    assert refresh.main(["--root-url", server.url, "--dest", str(dest)]) == 1
    assert "escaped.json" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_repository_references_are_the_ones_the_package_loads():
    assert Path(references_dir()).resolve() in (REPO_REFERENCES.resolve(),
                                                 Path(refresh.__file__).parent / "references")


def test_a_manifest_with_absolute_urls(server, bundle, tmp_path):
    deploy(server, bundle, absolute=True)
    assert refresh.main(["--root-url", server.url, "--dest", str(tmp_path)]) == 0
    assert tree(tmp_path) == tree(REPO_REFERENCES)


def test_a_missing_document_writes_nothing(server, bundle, tmp_path, capsys):
    deploy(server, bundle)
    server.serve("/references/queue/v1/api.json", Reply(404, {"code": "NotFound"}))
    assert refresh.main(["--root-url", server.url, "--dest", str(tmp_path)]) == 1
    assert list(tmp_path.iterdir()) == []
    err = capsys.readouterr().err
    assert err.startswith("taskcluster-refresh-references: references refresh: ") and "404" in err


def test_a_document_that_is_not_a_reference_writes_nothing(server, bundle, tmp_path, capsys):
    deploy(server, bundle)
    server.serve("/references/index/v1/api.json", Reply(200, {"hello": "world"}))
    assert refresh.main(["--root-url", server.url, "--dest", str(tmp_path)]) == 1
    assert list(tmp_path.iterdir()) == []
    assert "/references/index/v1/api.json is not an API or exchanges reference" in \
        capsys.readouterr().err


def test_a_manifest_without_references(server, tmp_path, capsys):
    server.serve("/references/manifest.json", Reply(200, {"$schema": "x"}))
    assert refresh.main(["--root-url", server.url, "--dest", str(tmp_path)]) == 1
    assert "no 'references' list" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_manifest_entry_cannot_write_outside_dest(server, bundle, tmp_path, capsys):
    deploy(server, bundle)
    doc = bundle["references/queue/v1/api.json"]
    server.respond(lambda rec: Reply(200, doc))      # any path answers a valid reference
    server.serve("/references/manifest.json", Reply(200, {"references": [
        "/references/queue/v1/api.json", "/references/../../escaped/v1/api.json"]}))
    dest = tmp_path / "dest"
    assert refresh.main(["--root-url", server.url, "--dest", str(dest)]) == 1
    assert "escaped" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path.parent / "escaped").exists()


def test_root_url_is_required(capsys):
    assert refresh.main([]) == 2            # a usage error, as the command line's
    assert capsys.readouterr().err == ("taskcluster-refresh-references: references refresh: "
                                       "give --root-url (or set TASKCLUSTER_ROOT_URL)\n")


def test_the_older_names_run_the_command_lines_refresh(server, bundle, tmp_path):
    """taskcluster-refresh-references and python -m taskcluster.refresh are the
    command line's ``references refresh``: same options, help and exit status."""
    import subprocess
    import sys
    deploy(server, bundle)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCLUSTER_")}
    env["TASKCLUSTER_ROOT_URL"] = server.url           # as the command line reads it
    dest = tmp_path / "refs"

    def run(*args):
        return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                              timeout=120, cwd=str(tmp_path))
    r = run("-m", "taskcluster.refresh", "--dest", str(dest))
    assert (r.returncode, r.stdout) == (0, "")
    assert r.stderr == "wrote 17 references and 166 schemas to %s\n" % dest
    assert (dest / "queue" / "v1" / "api.json").exists()
    r = run("-m", "taskcluster.refresh", "--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: taskcluster-refresh-references ")
    r = run("-m", "taskcluster.refresh", "--dset", "x")
    assert r.returncode == 2 and "--dset" in r.stderr and "--dest" in r.stderr
    r = run("-m", "taskcluster", "references", "refresh", "--help")
    assert r.returncode == 0 and "--dest PATH" in r.stdout
