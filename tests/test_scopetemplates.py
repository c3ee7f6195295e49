"""``taskcluster._scopetemplates``: scope templates expanded as the Taskcluster
API library's ``libraries/api/src/expressions.js`` expands them (``render``):
``<param>`` strings, ``for``/``in``/``each`` spliced into the enclosing list,
``if``/``then``/``else`` with booleans only."""

import pickle

import pytest

from taskcluster._scopetemplates import compile, js_number
from taskcluster.exceptions import MissingScopeParameter, TaskclusterInputError


def render(template, **params):
    return compile(template).render(params, "Svc.method", "svc")


def test_a_string_has_its_parameters_replaced():
    assert render("a:<x>/<y>:b", x="1", y="two") == "a:1/two:b"
    assert render("<x>", x="whole") == "whole"
    assert render("no-params") == "no-params"


def test_angle_brackets_that_are_not_parameter_names_stay_text():
    # a name is [a-zA-Z][a-zA-Z0-9_]*, as in expressions.js
    assert render("a:<not-a-name>:<1x>:<>", ) == "a:<not-a-name>:<1x>:<>"
    assert render("<a_1>:<<b>>", a_1="x", b="y") == "x:<y>"


def test_numbers_fill_a_string_as_javascript_writes_them():
    assert render("r:<n>", n=0) == "r:0"
    assert render("r:<n>", n=2.0) == "r:2"
    assert render("r:<n>", n=1.5) == "r:1.5"
    assert js_number(float("nan")) == "NaN"


@pytest.mark.parametrize("value,javascript", [
    # what node -e 'String(x)' printed for each
    (1e-7, "1e-7"), (1.5e16, "15000000000000000"), (0.000001, "0.000001"), (1e21, "1e+21"),
    (123.456, "123.456"), (-0.0, "0"), (2.5, "2.5"), (-1.25e-10, "-1.25e-10"),
    (1e300, "1e+300"), (123456789012345680000, "123456789012345680000"),
    (0.1 + 0.2, "0.30000000000000004"), (5e-324, "5e-324"), (10 ** 22, "1e+22"),
])
def test_numbers_are_written_as_javascript_writes_them(value, javascript):
    assert js_number(value) == javascript


@pytest.mark.parametrize("value", [True, ["a"], {"a": 1}, b"x"])
def test_a_string_parameter_of_another_type_is_refused_naming_it(value):
    with pytest.raises(TaskclusterInputError) as info:
        render("a:<x>", x=value)
    assert not isinstance(info.value, MissingScopeParameter)
    assert info.value.argument == "x"
    assert "Svc.method" in str(info.value) and "'x'" in str(info.value)


def test_a_missing_parameter_names_the_method_and_the_parameter():
    with pytest.raises(MissingScopeParameter) as info:
        render({"AllOf": ["a:<x>", "b:<y>"]}, x="1")
    e = info.value
    assert isinstance(e, TaskclusterInputError) and isinstance(e, ValueError)
    assert (e.parameter, e.argument, e.method, e.service) == ("y", "y", "Svc.method", "svc")
    assert "Svc.method" in str(e) and "'y'" in str(e)
    again = pickle.loads(pickle.dumps(e))
    assert (again.parameter, again.service, str(again)) == ("y", "svc", str(e))


def test_none_counts_as_missing():
    with pytest.raises(MissingScopeParameter):
        render("a:<x>", x=None)


def test_for_splices_one_scope_per_element_into_the_enclosing_list():
    t = {"AllOf": ["first", {"for": "s", "in": "scopes", "each": "<s>"},
                   {"for": "r", "in": "routes", "each": "queue:route:<r>"}]}
    assert render(t, scopes=["x", "y"], routes=["a"]) == {
        "AllOf": ["first", "x", "y", "queue:route:a"]}
    assert render(t, scopes=[], routes=()) == {"AllOf": ["first"]}
    assert render({"AnyOf": [{"for": "p", "in": "ps", "each": "q:<p>:<w>"}]},
                  ps=["high", "low"], w="wt") == {"AnyOf": ["q:high:wt", "q:low:wt"]}


def test_for_needs_an_array_and_string_elements():
    t = {"AllOf": [{"for": "s", "in": "scopes", "each": "<s>"}]}
    with pytest.raises(MissingScopeParameter) as info:
        render(t)
    assert info.value.parameter == "scopes" and "an array" in str(info.value)
    with pytest.raises(TaskclusterInputError) as info:
        render(t, scopes="abc")
    assert info.value.argument == "scopes"
    with pytest.raises(TaskclusterInputError) as info:
        render(t, scopes=[{"not": "a string"}])
    assert info.value.argument == "s"


def test_the_for_variable_shadows_a_parameter_of_the_same_name_only_inside():
    # queue.getArtifact: {"for": "name", "in": "names", ...} beside a route argument "name"
    t = {"AllOf": ["outer:<name>", {"for": "name", "in": "names", "each": "in:<name>"}]}
    assert render(t, name="route", names=["a", "b"]) == {
        "AllOf": ["outer:route", "in:a", "in:b"]}


def test_if_takes_booleans_only_and_without_else_gives_nothing():
    t = {"if": "ro", "then": {"AnyOf": ["r:<b>", "rw:<b>"]}, "else": "rw:<b>"}
    assert render(t, ro=True, b="x") == {"AnyOf": ["r:x", "rw:x"]}
    assert render(t, ro=False, b="x") == "rw:x"
    assert render({"if": "c", "then": "x"}, c=False) is None
    assert render({"AllOf": ["a", {"if": "c", "then": "x"}]}, c=False) == {"AllOf": ["a"]}
    assert render({"AllOf": ["a", {"if": "c", "then": "x"}]}, c=True) == {"AllOf": ["a", "x"]}
    with pytest.raises(TaskclusterInputError) as info:
        render(t, ro=1, b="x")        # no truthiness, as expressions.js
    assert info.value.argument == "ro"
    with pytest.raises(MissingScopeParameter) as info:
        render(t, b="x")
    assert info.value.parameter == "ro"


def test_parameters_are_extracted_with_their_types():
    t = compile({"AllOf": ["c:<id>", {"for": "s", "in": "scopes", "each": "<s>:<id>"},
                           {"if": "ro", "then": "r:<b>", "else": "w:<b>"}]})
    assert t.params == {"id": "string", "scopes": "array", "ro": "boolean", "b": "string"}


@pytest.mark.parametrize("template", [
    5, None, {"AllOf": ["a"], "AnyOf": []}, {"for": "a", "in": "b"}, {"if": "x"}, {"Else": 1},
    # a parameter used as two types, refused as expressions.js's mergeParams refuses it
    {"if": "b", "then": "<b>"},
    {"AllOf": ["<xs>", {"for": "x", "in": "xs", "each": "<x>"}]},
    {"AnyOf": [{"if": "c", "then": "a"}, {"for": "x", "in": "c", "each": "<x>"}]},
])
def test_what_is_not_a_template_is_refused(template):
    with pytest.raises(ValueError):
        compile(template)


def test_for_over_its_own_variable_declares_no_parameter():
    # expressions.js: {[in]: "array", [for]: "string"} is one key when they are
    # the same, and the for variable is then omitted
    t = compile({"AllOf": [{"for": "x", "in": "x", "each": "s:<x>"}]})
    assert t.params == {}
    assert t.render({"x": ["a", "b"]}) == {"AllOf": ["s:a", "s:b"]}


def test_rendering_leaves_the_template_and_the_parameters_alone():
    template = {"AllOf": [{"for": "s", "in": "scopes", "each": "<s>"}]}
    params = {"scopes": ["a"]}
    out = render(template, **params)
    out["AllOf"].append("changed")
    assert template == {"AllOf": [{"for": "s", "in": "scopes", "each": "<s>"}]}
    assert params == {"scopes": ["a"]} and render(template, **params) == {"AllOf": ["a"]}
