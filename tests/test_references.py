"""The reference loader: every document becomes read-only objects, once."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import taskcluster
from taskcluster._references import (
    SERVICES,
    ExchangeEntry,
    FunctionEntry,
    Reference,
    load,
    parse,
    references_dir,
    thaw,
)

REFS = Path(references_dir())
PACKAGE_PARENT = str(Path(taskcluster.__file__).resolve().parents[1])


def raw_document(class_name):
    service, kind = SERVICES[class_name]
    return json.loads((REFS / service / "v1" / (kind + ".json")).read_text("utf-8"))


def test_services_are_the_seventeen_classes_of_the_taskcluster_package():
    assert sorted(SERVICES) == sorted([
        "Auth", "AuthEvents", "Github", "GithubEvents", "Hooks", "HooksEvents",
        "Index", "Notify", "NotifyEvents", "Object", "PurgeCache", "Queue",
        "QueueEvents", "Secrets", "WebServer", "WorkerManager",
        "WorkerManagerEvents"])
    assert all(cls.endswith("Events") == (kind == "exchanges")
               for cls, (_, kind) in SERVICES.items())


def test_references_dir_holds_the_manifest_and_every_listed_document():
    manifest = json.loads((REFS / "manifest.json").read_text("utf-8"))
    listed = sorted(manifest["references"])
    assert len(listed) == 17
    expected = sorted(f"/references/{s}/v1/{k}.json" for s, k in SERVICES.values())
    assert listed == expected
    for ref in listed:
        assert (REFS / ref[len("/references/"):]).is_file()


def test_counts_of_the_release_106_references():
    functions = exchanges = 0
    for name in SERVICES:
        ref = load(name)
        assert isinstance(ref, Reference)
        for entry in ref.entries.values():
            if ref.kind == "api":
                assert isinstance(entry, FunctionEntry)
                functions += 1
            else:
                assert isinstance(entry, ExchangeEntry)
                exchanges += 1
    assert (functions, exchanges) == (192, 36)


@pytest.mark.parametrize("class_name", sorted(SERVICES))
def test_loaded_entries_match_the_document(class_name):
    doc = raw_document(class_name)
    ref = load(class_name)
    assert ref.serviceName == doc["serviceName"]
    assert ref.apiVersion == doc["apiVersion"]
    assert ref.exchangePrefix == doc.get("exchangePrefix")
    wanted = "function" if ref.kind == "api" else "topic-exchange"
    raw = [e for e in doc["entries"] if e["type"] == wanted]
    # reference order is kept
    assert list(ref.entries) == [e["name"] for e in raw]
    for e in raw:
        entry = ref.entries[e["name"]]
        if ref.kind == "api":
            assert entry.method == e["method"].lower()
            assert entry.route == e["route"]
            assert entry.args == tuple(e["args"])
            assert entry.query == tuple(e.get("query", ()))
            assert entry.input == e.get("input")
            assert entry.output == e.get("output")
            assert thaw(entry.scopes) == e.get("scopes")
            assert entry.owner == class_name
            assert entry.service == doc["serviceName"]
            assert entry.paginated == ("continuationToken" in e.get("query", ()))
            # every <arg> of the route is a declared argument, in order
            assert [a for a in entry.args if f"<{a}>" in entry.route] == list(entry.args)
        else:
            assert entry.exchange == e["exchange"]
            assert thaw(entry.raw_routing_key) == e["routingKey"]
            assert [p.name for p in entry.routingKey] == [p["name"] for p in e["routingKey"]]
            assert [p.constant for p in entry.routingKey] == \
                [p.get("constant") for p in e["routingKey"]]


def test_load_is_cached():
    assert load("Queue") is load("Queue")


def test_loaded_data_is_read_only():
    ref = load("Queue")
    entry = ref.entries["createTask"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.route = "/elsewhere"
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.kind = "exchanges"
    with pytest.raises(TypeError):
        ref.entries["createTask"] = None
    with pytest.raises(TypeError):
        del ref.entries["createTask"]
    assert isinstance(entry.args, tuple) and isinstance(entry.query, tuple)
    # nested reference data (scopes) is frozen as well
    with pytest.raises(TypeError):
        entry.scopes["AllOf"] = []
    ex = load("QueueEvents").entries["taskDefined"]
    with pytest.raises(TypeError):
        ex.raw_routing_key[0]["name"] = "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.routingKey[0].constant = "x"


def test_thaw_returns_a_private_mutable_copy():
    entry = load("Queue").entries["createTask"]
    plain = thaw(entry.scopes)
    assert isinstance(plain, dict)
    plain.clear()
    assert thaw(entry.scopes) != {}


def test_parse_keeps_only_the_entries_of_its_kind():
    doc = {
        "serviceName": "zoo", "apiVersion": "v2", "title": "Zoo", "description": "d",
        "entries": [
            {"type": "function", "name": "ping", "method": "GET", "route": "/ping"},
            {"type": "topic-exchange", "name": "fed", "exchange": "fed",
             "routingKey": [{"name": "routingKeyKind", "constant": "primary"}]},
            {"type": "something-new", "name": "later"},
        ],
    }
    api = parse("Zoo", "api", doc)
    assert list(api.entries) == ["ping"]
    ping = api.entries["ping"]
    assert (ping.method, ping.args, ping.query, ping.input, ping.output) == \
        ("get", (), (), None, None)
    assert api.apiVersion == "v2" and api.title == "Zoo"
    exchanges = parse("ZooEvents", "exchanges", doc)
    assert list(exchanges.entries) == ["fed"]
    part = exchanges.entries["fed"].routingKey[0]
    assert (part.constant, part.multipleWords, part.required) == ("primary", False, False)
    # parsing copies: the caller's document is untouched and not shared
    doc["entries"][0]["route"] = "/changed"
    assert api.entries["ping"].route == "/ping"


def test_importing_the_package_reads_no_reference_and_a_class_reads_only_its_own():
    code = (
        "import taskcluster\n"
        "from taskcluster import _references as r\n"
        "assert r.load.built() == [], r.load.built()\n"
        "taskcluster.Queue\n"
        "assert r.load.built() == ['Queue'], r.load.built()\n"
    )
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=str(REFS))
