"""Hypothesis strategies for hostile input: plausible values from a JSON schema, mixed with junk.

A body is built field by field from the operation's own JSON schema, each field either a value of
its declared shape (so that the request gets past the first check and exercises the rules behind
it) or something hostile: huge and control-character strings, lone surrogates, NUL, NaN and the
infinities, huge and negative numbers, wrong types, nested junk. Unknown fields are mixed in, and
some bodies are raw text that is not a JSON object at all.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

HUGE_TEXT = "x" * 70_000
WEIRD_STRINGS = [
    "", " ", "\x00", "a\x00b", "\u202e\u0645", "\ud800", "\udfff", "😀" * 300, "\r\n\t\x0b\x0c\x1b[31m",
    "<script>alert(1)</script>", "' OR 1=1 --", "NaN", "Infinity", "-1", "1e309", "0x10",
    "99999999999999999999999", "2026-02-30", "0000-00-00", "9999-12-31", "2026-13-01T25:61:00",
    "null", "true", HUGE_TEXT, "%s%s%n", "../../etc/passwd", "${jndi:ldap://x}",
]
WEIRD_NUMBERS = [0, -1, 1, -(2**31), 2**31, 2**53 + 1, 2**63, -(2**63) - 1, 10**30, -(10**30), 2**200,
                 0.5, -0.0, 1e-320, 1e308, -1e308, float("nan"), float("inf"), float("-inf")]
# Raw bodies that are no JSON object: the parser and the first checks must answer 400 or 422.
RAW_BODIES = [
    "", " ", "NaN", "Infinity", "-Infinity", "null", "true", "1", "1e999", '"text"', "[]", "[{}]", "{",
    '{"a":', "{'single': 'quotes'}", "\x00", "\ufeff{}", '{"a": 1,}', "[" * 50_000 + "]" * 50_000,
    '{"a":' * 20_000 + "1" + "}" * 20_000, '{"\\ud800": "\\udfff"}', "\xff\xfe",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(WEIRD_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=10),
    st.sampled_from(WEIRD_STRINGS),
)
junk = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _resolve(schema: dict, defs: dict) -> dict:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


# What an id field names, by the field's name: ``customer_id`` names a customer, and so on.
ID_KINDS = {"parent": "job", "value_stream": "stream", "derived_from": "stream", "facilitator": "user",
            "owner": "user", "participant": "user", "entered_by": "user"}


def ids_for(name: str, ids: dict[str, list[int]]) -> st.SearchStrategy[int]:
    """An id for the field ``name``: mostly one of the right kind, else any (another organization's too)."""
    kind = name.removesuffix("_ids").removesuffix("_id")
    kind = ID_KINDS.get(kind, kind)
    anything = st.sampled_from(sorted({i for values in ids.values() for i in values}))
    if ids.get(kind):
        return st.one_of(st.sampled_from(ids[kind]), anything)
    return anything


def _strings(schema: dict) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength", 100_000)
    edge = [value for value in WEIRD_STRINGS if low <= len(value) <= high]
    edge += ["y" * high] if high <= 20_000 else []
    return st.one_of(st.text(min_size=low, max_size=min(high, 40)), st.sampled_from(edge or ["y" * low]))


def plausible(schema: dict, defs: dict, ids: dict[str, list[int]], name: str = "") -> st.SearchStrategy:
    """A value of the shape ``schema`` declares (ids of records that exist), not necessarily valid."""
    schema = _resolve(schema, defs)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([plausible(branch, defs, ids, name) for branch in schema[key]])
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        if name.endswith(("_id", "_ids")):
            return ids_for(name, ids)
        low, high = schema.get("minimum", -5), schema.get("maximum", 500)
        return st.one_of(st.integers(low, min(high, low + 500)), st.sampled_from([low, high]))
    if kind == "number":
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1000))
        high = schema.get("maximum", max(low, 0) + 100_000)
        return st.one_of(st.floats(low, high, allow_nan=False), st.sampled_from([low, high]))
    if kind == "string":
        if schema.get("format") == "date":
            return st.dates().map(lambda day: day.isoformat())
        if schema.get("format") == "date-time":
            return st.datetimes().map(lambda moment: moment.isoformat())
        return _strings(schema)
    if kind == "array":
        items = schema.get("items", {})
        return st.lists(plausible(items, defs, ids, name), max_size=3)
    if kind == "object" or "properties" in schema:
        return objects(schema, defs, ids)
    return junk


@st.composite
def objects(draw, schema: dict, defs: dict, ids: dict[str, list[int]]) -> dict:
    """A body of the declared shape with up to two fields spoiled, dropped or unknown ones added."""
    schema = _resolve(schema, defs)
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    body = draw(st.fixed_dictionaries(
        {name: plausible(properties[name], defs, ids, name) for name in sorted(required)},
        optional={name: plausible(prop, defs, ids, name) for name, prop in properties.items()
                  if name not in required}))
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from([*sorted(properties), ""]))
        if not name:
            body[draw(st.text(min_size=1, max_size=12))] = draw(junk)
        elif draw(st.booleans()):
            body.pop(name, None)
        else:
            body[name] = draw(junk)
    return body


def json_schema_of(model) -> tuple[dict, dict]:
    """The JSON schema of a pydantic body and its definitions."""
    schema = model.model_json_schema()
    return schema, schema.get("$defs", {})


def bodies(model, ids: dict[str, list[int]]) -> st.SearchStrategy[str]:
    """Request bodies as raw text: objects after ``model``'s schema (NaN as a bare token), or junk."""
    schema, defs = json_schema_of(model)
    shapes = [objects(branch, defs, ids) for branch in schema.get("anyOf", [schema])]
    shaped = st.one_of(*shapes).map(lambda value: json.dumps(value, allow_nan=True))
    other = st.one_of(junk.map(lambda value: json.dumps(value, allow_nan=True)), st.sampled_from(RAW_BODIES))
    return st.one_of(shaped, shaped, shaped, other)


def mutations(document: Any) -> st.SearchStrategy[Any]:
    """A JSON document with one to three values somewhere inside replaced by hostile ones."""
    paths: list[tuple] = []

    def walk(node: Any, path: tuple) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node[:3]):
                walk(value, (*path, index))

    walk(document, ())

    def apply(changes: list[tuple[tuple, Any]]) -> Any:
        copy = json.loads(json.dumps(document))
        for path, value in changes:
            if not path:
                return value
            node = copy
            try:
                for part in path[:-1]:
                    node = node[part]
                node[path[-1]] = value
            except (KeyError, IndexError, TypeError):
                continue
        return copy

    return st.lists(st.tuples(st.sampled_from(paths), junk), min_size=1, max_size=3).map(apply)
