"""The committed type stubs are what ``python -m taskcluster._stubgen``
makes from the references now; regenerated in memory and compared."""

import ast
import inspect
import os

import taskcluster
from taskcluster import _stubgen
from taskcluster._services import SERVICES

PACKAGE = os.path.dirname(os.path.abspath(taskcluster.__file__))


def test_the_committed_stubs_are_not_stale():
    generated = _stubgen.generate()
    assert len(generated) == 4 + 2 * len(SERVICES)
    for path, text in generated.items():
        with open(os.path.join(PACKAGE, *path.split("/")), encoding="utf-8") as fh:
            assert fh.read() == text, ("%s is stale: run python -m taskcluster._stubgen" % path)


def test_check_mode_says_when_a_stub_is_stale(tmp_path, capsys):
    assert _stubgen.main(["--dest", str(tmp_path)]) == 0
    assert _stubgen.main(["--check", "--dest", str(tmp_path)]) == 0
    (tmp_path / "queue.pyi").write_text("# edited\n", encoding="utf-8")
    assert _stubgen.main(["--check", "--dest", str(tmp_path)]) == 1
    assert "stale: queue.pyi" in capsys.readouterr().err


def _names(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
    return names


def test_init_stub_declares_every_public_name():
    # A package's __init__.pyi replaces the whole module for a checker.
    tree = ast.parse(_stubgen.generate()["__init__.pyi"])
    declared = _names(tree)
    assert set(taskcluster.__all__) <= declared
    stub_all = next(ast.literal_eval(n.value) for n in tree.body
                    if isinstance(n, ast.Assign) and n.targets[0].id == "__all__")
    assert set(stub_all) <= declared and set(taskcluster.__all__) <= set(stub_all)


def test_every_method_of_every_class_is_in_its_stub():
    generated = _stubgen.generate()
    for class_name in SERVICES:
        for prefix, is_async in (("", False), ("aio/", True)):
            tree = ast.parse(generated["%s%s.pyi" % (prefix, _stubgen.module_name(class_name))])
            cls = next(n for n in tree.body if isinstance(n, ast.ClassDef)
                       and n.name == class_name)
            methods = {}
            for n in cls.body:   # the first of a method's overloads carries its docstring
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    methods.setdefault(n.name, n)
            runtime = getattr(taskcluster, class_name)
            for name, entry in runtime._reference.entries.items():
                node = methods[name]
                is_api = hasattr(entry, "route")
                assert isinstance(node, ast.AsyncFunctionDef) == (is_async and is_api), name
                params = [a.arg for a in node.args.args + node.args.kwonlyargs]
                if is_api:
                    assert params[1:1 + len(entry.args)] == list(entry.args), name
                    assert ("payload" in params) == bool(entry.input), name
                    assert ("query" in params) == bool(entry.query), name
                    assert ("paginationLimit" in params) == entry.paginated, name
                else:
                    assert params[1:] == [p.name for p in entry.routingKey if not p.constant]
                # the same text, less trailing spaces
                expected = inspect.cleandoc(getattr(runtime, name).__doc__)
                assert ast.get_docstring(node) == "\n".join(
                    line.rstrip() for line in expected.splitlines()), name


def test_schema_to_type_rules():
    types = _stubgen._Types()
    schema = {
        "type": "object", "additionalProperties": False, "required": ["level"],
        "properties": {
            "level": {"type": "string", "enum": ["low", "high"]},
            "count": {"type": "integer"},
            "ratio": {"type": ["number", "null"]},
            "tags": {"type": "object", "additionalProperties": {"type": "string"}},
            "open": {"type": "object", "properties": {"a": {"type": "boolean"}}},
            "any": {},
            "items": {"type": "array", "items": {"const": 3}},
            "odd": {"type": "object", "additionalProperties": False,
                    "properties": {"not-an-identifier": {"type": "string"},
                                   "class": {"type": "string"}}},
            "source": {"type": "string", "anyOf": [{"format": "uri"}, {"format": "regex"}]},
            "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        }}
    assert types.type_of("x/v1/zoo.json", schema, "Zoo") == "Zoo"
    text = "\n\n".join(types.defs)
    assert "class Zoo(TypedDict, total=False):" in text
    for line in ("level: Required[Literal['low', 'high']]", "count: int",
                 "ratio: Union[float, None]", "tags: Dict[str, str]",
                 "open: Union[ZooOpen, Dict[str, Any]]", "any: Any", "items: List[Literal[3]]",
                 "odd: ZooOdd", "source: str", "either: Union[str, int]"):
        assert "    " + line + "\n" in text + "\n", line
    assert "ZooOdd = TypedDict('ZooOdd', {\n    'not-an-identifier': str,\n    'class': str,\n" \
        "}, total=False)" in text
    # a node met again is named once
    assert types.type_of("x/v1/zoo.json", schema, "Other") == "Zoo"
