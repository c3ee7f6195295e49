"""Write the service reference pages (MyST Markdown) from the bundled references
and schemas: one page per client class (all 17 API and exchanges documents) and
one page of schemas per service.

    python docs/_tools/genref.py OUTDIR

Run by docs/_tools/build.py into the build tree; nothing it writes is committed.
The signatures are the library's own (``inspect.signature`` of the client
methods), the keys and types come from the schemas through the same helpers
that write the methods' docstrings, and each example binding is what the
routing-key method returns.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from typing import Any, Dict, List, Tuple

import taskcluster
from taskcluster import _references, _schemas

# page name of each class: "queue", "queue-events", "worker-manager", ...
def page_name(class_name: str) -> str:
    service, kind = _references.SERVICES[class_name]
    if service == "index":
        service = "index-service"    # reference/index.md is the overview
    return service + ("-events" if kind == "exchanges" else "")


def schema_label(path: str) -> str:
    """The anchor of a shipped schema: "queue/v1/task.json" -> "schema-queue-v1-task-json"."""
    return "schema-" + path.replace("/", "-").replace(".", "-").replace("_", "-").lower()


def variable(class_name: str) -> str:
    return class_name[0].lower() + class_name[1:]


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def demote(markdown: str) -> str:
    """A reference description inside a page: its own headings become bold
    lines, so they cannot break the page's outline."""
    out = []
    for line in markdown.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("#"):
            line = "**%s**" % stripped.lstrip("#").strip()
        out.append(line)
    return "\n".join(out).strip()


def keys_table(service: str, schema: str) -> List[str]:
    """The top-level keys of a schema with their types and required-ness, or
    a line saying the schema has several shapes."""
    path = _schemas.schema_path(service, schema)
    keys = _schemas._keys_of(path, _schemas.load(path))
    link = "{ref}`%s <%s>`" % (schema, schema_label(path))
    if not keys:
        _, node = _schemas.deref(path, _schemas.load(path))
        kind = _schemas.describe(path, node)
        return ["Schema %s: %s (see the schema for its shapes)." % (link, cell(kind)), ""]
    lines = ["Schema %s:" % link, "", "| key | type | required |", "|---|---|---|"]
    for key, kind, required in sorted(keys, key=lambda t: (not t[2], t[0])):
        lines.append("| `%s` | %s | %s |" % (key, cell(kind), "yes" if required else "no"))
    return lines + [""]


def example_value(name: str) -> str:
    return {"taskId": "fN1SbArXTPSVFNUvaOlinQ", "taskGroupId": "fN1SbArXTPSVFNUvaOlinQ",
            "runId": "0", "name": "public/logs/live.log"}.get(name, "...")


def function_example(class_name: str, entry: Any, signature: inspect.Signature) -> str:
    var = variable(class_name)
    args = [repr(example_value(a)) if example_value(a) != "..." else a for a in entry.args]
    if entry.input:
        args.append("payload")
    if entry.query:
        args.append("query={%s}" % ", ".join("%r: ..." % q for q in entry.query[:2]))
    call = "%s.%s(%s)" % (var, entry.name, ", ".join(args))
    lines = ["import taskcluster", "",
             "%s = taskcluster.%s(taskcluster.optionsFromEnvironment())" % (var, class_name)]
    if entry.input:
        lines.append("payload = {...}  # see the payload's keys above")
    lines.append(("answer = %s" % call) if entry.output else call)
    return "\n".join(lines)


def cli_usage(group: str, service: str, name: str) -> str:
    """The usage line the command line prints for ``taskcluster-py GROUP SERVICE
    NAME --help``, from its own click commands."""
    import click

    from taskcluster._cli import cli

    ctx = click.Context(cli, info_name="taskcluster-py")
    for part in (group, service, name):
        command = ctx.command.get_command(ctx, part)
        if command is None:
            raise SystemExit("genref: the command line has no %s %s %s" % (group, service, name))
        ctx = click.Context(command, info_name=part, parent=ctx)
    return ctx.command.get_usage(ctx).replace("Usage: ", "", 1)


def scopes_block(scopes: Any) -> List[str]:
    if scopes is None:
        return ["**Scopes:** none needed.", ""]
    if isinstance(scopes, str):
        return ["**Scopes:** `%s`" % scopes, ""]
    return ["**Scopes** (as written in the reference):", "", "```json",
            json.dumps(_references.thaw(scopes), indent=2), "```", ""]


def schemas_link(class_name: str) -> str:
    service = _references.SERVICES[class_name][0]
    if not os.path.isdir(os.path.join(_references.references_dir(), "schemas", service)):
        return ""
    return "  Its JSON schemas: {doc}`schemas-%s`." % service


def api_page(class_name: str, client: Any, ref: Any) -> str:
    functions = list(ref.entries.values())
    var = variable(class_name)
    out = ["(ref-%s)=" % page_name(class_name), "# %s (`taskcluster.%s`)" % (ref.title, class_name), "",
           demote(ref.description), "",
           "```python", "import taskcluster", "",
           "%s = taskcluster.%s({\"rootUrl\": \"https://tc.example.com\"})" % (var, class_name),
           "# async: taskcluster.aio.%s, the same methods as coroutines" % class_name,
           "```", "",
           "Service `%s`, API version `%s`, %d methods.%s"
           % (ref.serviceName, ref.apiVersion, len(functions), schemas_link(class_name)), "",
           "| method | HTTP | title | stability |", "|---|---|---|---|"]
    for e in functions:
        out.append("| {ref}`%s <%s>` | `%s %s` | %s | %s |"
                   % (e.name, anchor(class_name, e.name), e.method.upper(), e.route,
                      cell(e.title), e.stability))
    out.append("")
    for e in functions:
        signature = inspect.signature(getattr(client, e.name))
        out += ["(%s)=" % anchor(class_name, e.name), "## %s" % e.name, "",
                "**%s** · stability: `%s` · category: %s" % (e.title, e.stability, e.category or "-"),
                "", "```python", "%s.%s%s" % (var, e.name, signature), "```", "",
                "**HTTP:** `%s %s`" % (e.method.upper(), e.route), "",
                "**Command line:** `%s`" % cli_usage("api", ref.serviceName, e.name), ""]
        if e.args:
            out += ["**Route arguments** (positional, in this order): %s"
                    % ", ".join("`%s`" % a for a in e.args), ""]
        if e.query:
            out += ["**Query keys** (`query={...}`): %s" % ", ".join("`%s`" % q for q in e.query),
                    ""]
        out += scopes_block(_references.thaw(e.scopes))
        if e.input:
            out += ["**Payload** (`payload=`)."] + [""] + keys_table(e.service, e.input)
        else:
            out += ["**Payload:** none.", ""]
        if e.output:
            out += ["**Answer**."] + [""] + keys_table(e.service, e.output)
        else:
            out += ["**Answer:** no JSON schema (`None` for a 204, else `{\"response\": r}`).", ""]
        out += [demote(e.description), "", "Example:", "", "```python",
                function_example(class_name, e, signature), "```", ""]
    return "\n".join(out)


def anchor(class_name: str, name: str) -> str:
    return "%s-%s" % (page_name(class_name), name.lower())


def binding_example(client: Any, entry: Any) -> Tuple[str, Dict[str, Any]]:
    """A call that sets the first free part, and what it returns."""
    free = [p for p in entry.routingKey if p.constant is None and p.name != "reserved"]
    kwargs = {free[0].name: "example"} if free else {}
    call = "%s(%s)" % (entry.name, ", ".join("%s=%r" % kv for kv in kwargs.items()))
    binding = _references.thaw(getattr(client, entry.name)(**kwargs))
    binding.pop("routingKeyReference", None)
    return call, binding


def exchanges_page(class_name: str, client: Any, ref: Any) -> str:
    exchanges = list(ref.entries.values())
    var = variable(class_name)
    out = ["(ref-%s)=" % page_name(class_name), "# %s (`taskcluster.%s`)" % (ref.title, class_name), "",
           demote(ref.description), "",
           "Exchange prefix `%s`, %d exchanges.  A method returns the binding for a "
           "pulse consumer: `exchange` and `routingKeyPattern` (parts left out are "
           "`*`, or `#` for a part of several words), and `routingKeyReference`.%s"
           % (ref.exchangePrefix, len(exchanges), schemas_link(class_name)), "",
           "| exchange | method | title |", "|---|---|---|"]
    for e in exchanges:
        out.append("| `%s` | {ref}`%s <%s>` | %s |" % (e.exchange, e.name, anchor(class_name, e.name),
                                                  cell(e.title)))
    out.append("")
    for e in exchanges:
        call, binding = binding_example(client, e)
        out += ["(%s)=" % anchor(class_name, e.name), "## %s" % e.name, "",
                "**%s** · exchange `%s%s`" % (e.title, ref.exchangePrefix, e.exchange), "",
                "```python", "%s.%s%s" % (var, e.name, inspect.signature(getattr(client, e.name))),
                "```", "",
                "**Command line:** `%s`" % cli_usage("routing-key", ref.serviceName, e.exchange), "",
                "Routing-key parts, in order:", "",
                "| # | part | summary | words | required |", "|---|---|---|---|---|"]
        for i, p in enumerate(e.routingKey):
            summary = ("constant `%s`" % p.constant) if p.constant else cell(p.summary)
            out.append("| %d | `%s` | %s | %s | %s |"
                       % (i, p.name, summary, "several" if p.multipleWords else "one",
                          "yes" if p.required else "no"))
        out.append("")
        if e.schema:
            out += ["**Message**."] + [""] + keys_table(ref.serviceName, e.schema)
        out += [demote(e.description), "", "Example binding:", "", "```python",
                "import taskcluster", "", "%s = taskcluster.%s()" % (var, class_name),
                "%s.%s" % (var, call), "# %s" % json.dumps(binding), "```", ""]
    return "\n".join(out)


def schema_pages(outdir: str) -> List[str]:
    root = os.path.join(_references.references_dir(), "schemas")
    names = []
    for service in sorted(os.listdir(root)):
        paths = []
        for folder, dirs, files in os.walk(os.path.join(root, service)):
            dirs.sort()
            paths += [os.path.relpath(os.path.join(folder, f), root).replace(os.sep, "/")
                      for f in sorted(files) if f.endswith(".json")]
        out = ["# Schemas: %s" % service, "",
               "The JSON schemas of the %s service that its references name, as bundled in "
               "`references/schemas/%s/`." % (service, service), ""]
        for path in paths:
            with open(os.path.join(root, path), encoding="utf-8") as fh:
                text = json.dumps(json.load(fh), indent=2)
            out += ["(%s)=" % schema_label(path), "## %s" % path.split("/", 1)[1], "",
                    "```json", text, "```", ""]
        name = "schemas-%s" % service
        write(outdir, name, "\n".join(out))
        names.append(name)
    return names


def write(outdir: str, name: str, text: str) -> None:
    with open(os.path.join(outdir, name + ".md"), "w", encoding="utf-8") as fh:
        fh.write(text.rstrip() + "\n")


def main(outdir: str) -> None:
    os.makedirs(outdir, exist_ok=True)
    pages: List[Tuple[str, str]] = []
    for class_name in _references.SERVICES:
        ref = _references.load(class_name)
        cls = getattr(taskcluster, class_name)
        client = cls({"rootUrl": "https://tc.example.com"})
        text = (api_page if ref.kind == "api" else exchanges_page)(class_name, client, ref)
        write(outdir, page_name(class_name), text)
        pages.append((page_name(class_name), class_name))
    schemas = schema_pages(outdir)
    index = ["# Service reference", "",
             "A page per client class, generated from the bundled references of Taskcluster "
             "release 106 and their schemas when the site is built.  Each method shows its "
             "Python signature, route, scopes, payload and answer keys, stability and an "
             "example; each exchange its routing-key parts and an example binding.", "",
             "```{toctree}", ":maxdepth: 1", ""]
    index += ["%s" % name for name, _ in pages]
    index += ["```", "", "## Schemas", "", "```{toctree}", ":maxdepth: 1", ""]
    index += schemas + ["```", ""]
    write(outdir, "index", "\n".join(index))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: genref.py OUTDIR")
    main(sys.argv[1])
