"""Fetching a deployment's references and schemas, and writing them: what
``taskcluster-py references refresh`` does (``taskcluster.refresh`` is its
public face and older command).

Reads ``<rootUrl>/references/manifest.json`` and each API and exchanges
document it lists (logs and metrics references are skipped: a client does not
need them), checks each, and writes them as ``<dest>/<service>/v1/<kind>.json``
with a manifest listing what was written.  Then fetches the JSON schemas those
documents name (``input``, ``output``, each exchange's ``schema``) and every
schema their ``$ref``s reach, from ``<rootUrl>/schemas/...``, and writes them
as ``<dest>/schemas/<service>/v1/<name>.json``.  Nothing is written unless
every document was fetched and checked.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import urljoin

__all__ = ["fetch_references", "fetch_schemas", "write_references", "write_schemas",
           "json_getter", "MAX_DOCUMENT_BYTES", "TIMEOUT"]

_KINDS = ("api.json", "exchanges.json")
# Where a document may be written: "<service>/<version>/<kind>.json", no more
# (a manifest entry with "../" must not write outside --dest).
_PATH = re.compile(r"^[A-Za-z0-9_-]+/v[0-9]+/(api|exchanges)\.json$")
# Where a schema may be written, below <dest>/schemas/: "<service>/v1/<name>.json"
# or "common/<name>.json", nothing that climbs out.
_SCHEMA_PATH = re.compile(r"^[A-Za-z0-9_-]+(/v[0-9]+)?/[A-Za-z0-9_-][A-Za-z0-9_.-]*\.json$")


# The largest reference a deployment serves is a few hundred KiB; a
# document past this is not one, and is not read on (memory stays bounded).
MAX_DOCUMENT_BYTES = 16 * 2**20
# Seconds for one document as a whole (connecting, and every byte of it).
TIMEOUT = 30


def json_getter(timeout: float = TIMEOUT, limit: int = MAX_DOCUMENT_BYTES
                ) -> Callable[[str], Any]:
    """A ``get(url)`` for :func:`fetch_references` and :func:`fetch_schemas`:
    the JSON document at ``url``, refused past ``limit`` bytes or when it is
    not all there within ``timeout`` seconds (a server trickling it is cut
    at the deadline, as the clients' calls are)."""
    def get(url: str) -> Any:
        from ._transport import RequestsTransport, TransportError

        transport = RequestsTransport()
        try:
            answer = transport.send("GET", url, {"Accept": "application/json"}, None,
                                    timeout, limit)
        except TransportError as e:
            if e.too_large:
                raise ValueError("GET %s: the answer is larger than %d bytes, more than "
                                 "any reference" % (url, limit)) from None
            raise ValueError("GET %s: %s" % (url, e)) from None
        finally:
            transport.close()
        if answer.status >= 400:
            raise ValueError("GET %s answered %d" % (url, answer.status))
        try:
            return json.loads(answer.body)
        except (ValueError, RecursionError):
            raise ValueError("GET %s: the answer is not JSON" % url) from None
    return get


def _default_get(url: str):
    return json_getter()(url)


def fetch_references(root_url: str, get: Optional[Callable[[str], dict]] = None) -> Dict[str, dict]:
    """``{"<service>/v1/<kind>.json": document}`` for every API and exchanges
    reference the deployment's manifest lists."""
    get = get or _default_get
    root = root_url.rstrip("/") + "/"
    manifest = get(urljoin(root, "references/manifest.json"))
    refs = manifest.get("references") if isinstance(manifest, dict) else None
    if not isinstance(refs, list):
        raise ValueError("%sreferences/manifest.json has no 'references' list" % root)
    docs: Dict[str, dict] = {}
    for ref in refs:
        path = ref.split("/references/", 1)[-1] if "/references/" in ref else ref.lstrip("/")
        if not path.endswith(_KINDS):
            continue
        if not _PATH.match(path):
            raise ValueError("%sreferences/manifest.json lists %r, which is not "
                             "<service>/<version>/api.json or exchanges.json" % (root, ref))
        url = ref if "://" in ref else urljoin(root, ref.lstrip("/"))
        doc = get(url)
        if not isinstance(doc, dict) or "serviceName" not in doc or \
                not isinstance(doc.get("entries"), list):
            raise ValueError("%s is not an API or exchanges reference" % url)
        docs[path] = doc
    if not docs:
        raise ValueError("the manifest at %s lists no API or exchanges references" % root)
    return docs


def _schema_refs(schema, here: str):
    """The schema paths ("queue/v1/task.json") that ``$ref``s in ``schema``
    (a document at ``/schemas/<here>``) point to; fragment-only refs stay in
    the document and refs off the deployment (json-schema.org) are skipped."""
    found = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#") and "://" not in ref:
                target = urljoin("/schemas/" + here, ref).split("#", 1)[0]
                found.append(target[len("/schemas/"):] if target.startswith("/schemas/")
                             else target)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def fetch_schemas(root_url: str, docs: Dict[str, dict],
                  get: Optional[Callable[[str], dict]] = None) -> Dict[str, dict]:
    """``{"<service>/v1/<name>.json": schema}`` for every schema the reference
    documents ``docs`` name, and every schema their ``$ref``s reach.  Each
    ``$id`` is written relative (``/schemas/queue/v1/task.json#``), as in
    the source tree, whatever rootUrl the deployment serves it under."""
    get = get or _default_get
    root = root_url.rstrip("/") + "/"
    pending = []
    for doc in docs.values():
        for e in doc["entries"]:
            for key in ("input", "output", "schema"):
                if isinstance(e.get(key), str):
                    pending.append(urljoin("%s/" % doc["serviceName"], e[key]).split("#")[0])
    schemas: Dict[str, dict] = {}
    while pending:
        path = pending.pop(0)
        if path in schemas:
            continue
        if not _SCHEMA_PATH.match(path) or "/../" in "/" + path:
            raise ValueError("a reference names the schema %r, which is not "
                             "<service>/<version>/<name>.json" % path)
        url = urljoin(root, "schemas/" + path)
        schema = get(url)
        if not isinstance(schema, dict):
            raise ValueError("%s is not a JSON schema" % url)
        schemas[path] = dict(schema, **{"$id": "/schemas/%s#" % path})
        pending.extend(_schema_refs(schema, path))
    return schemas


def write_schemas(schemas: Dict[str, dict], dest: str) -> List[str]:
    """Write ``schemas`` under ``<dest>/schemas``; returns the paths written."""
    written = []
    for path, schema in sorted(schemas.items()):
        target = os.path.join(dest, "schemas", *path.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as fh:
            json.dump(schema, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        written.append(target)
    return written


def write_references(docs: Dict[str, dict], dest: str) -> List[str]:
    """Write ``docs`` and a manifest under ``dest``; returns the paths written."""
    written = []
    for path, doc in sorted(docs.items()):
        target = os.path.join(dest, *path.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        written.append(target)
    manifest = {"$schema": "/schemas/common/manifest-v3.json#",
                "references": ["/references/" + p for p in sorted(docs)]}
    with open(os.path.join(dest, "manifest.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    return written
