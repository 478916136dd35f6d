"""Distinct array items while a call is decoded: the ``uniqueItems`` a grammar cannot say.

A context-free grammar cannot remember which items an array already holds, so xgrammar
compiles a schema's ``uniqueItems`` as if it were absent, and a constrained decoder can still
write ``"satellites":["LEO-55","LEO-55"]`` — a call our validator (and any JSON Schema
validator) rejects.  :class:`UniqueItems` closes the gap for the arrays it can check exactly:
those with ``uniqueItems: true`` whose items are an ``enum`` of strings, such as the mission's
satellite and station names.  Given the bytes of a turn decoded so far (bytes, because a
token may end inside a multi-byte character: ``"제`` may only grow into ``"제주"``), it says
whether the last call block can still end with distinct items.  A candidate token is refused
when it would

* close an item that the array already holds,
* leave an open item that can only be completed as one the array already holds, or
* open another item (``,``) when every value of the enum is taken.

The decoder asks only about its best candidates, only inside a call block of a tool that has
such an array, so other tools and free text cost nothing.

>>> tools = [{"type": "function", "function": {"name": "screen", "parameters": {
...     "type": "object", "properties": {"satellites": {"type": "array", "uniqueItems": True,
...     "items": {"type": "string", "enum": ["LEO-5", "LEO-55", "OBS-7"]}}}}}}]
>>> guard = UniqueItems(tools, open_tag="<tool_call>", close_tag="</tool_call>",
...                     before_name='{"name":"', after_name='","arguments":')
>>> call = '<tool_call>{"name":"screen","arguments":{"satellites":["LEO-55","'
>>> guard.allows(call + 'LEO-5'), guard.allows(call + 'LEO-55"'), guard.allows(call + 'LEO-5"')
(True, False, True)
>>> guard.allows(call + 'OBS-7","LEO-5",')     # all three taken: no room for a fourth
False
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["UniqueItems", "arguments_allow"]

def _branch(node: Any, kind: str) -> Mapping[str, Any] | None:
    """The part of ``node`` that describes a value of JSON type ``kind`` (through anyOf/oneOf)."""
    if not isinstance(node, Mapping):
        return None
    types = node.get("type")
    if types == kind or (isinstance(types, list) and kind in types):
        return node
    for key in ("anyOf", "oneOf"):
        for sub in node.get(key, ()):
            found = _branch(sub, kind)
            if found is not None:
                return found
    return None


def _distinct_enum(array: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """The string values an array's items must come from, if it asks for distinct items."""
    if array is None or not array.get("uniqueItems"):
        return None
    items = array.get("items")
    if not isinstance(items, Mapping):
        return None
    values = items.get("enum")
    if not values or not all(isinstance(v, str) for v in values):
        return None
    return tuple(values)


def _has_distinct_enum(node: Any) -> bool:
    if isinstance(node, list):
        return any(_has_distinct_enum(n) for n in node)
    if not isinstance(node, Mapping):
        return False
    if node.get("type") == "array" and _distinct_enum(node) is not None:
        return True
    return any(_has_distinct_enum(v) for v in node.values())


class _Array:
    """An open array: the enum its items must come from (None: unchecked) and those taken."""

    __slots__ = ("items", "taken", "values")

    def __init__(self, node: Mapping[str, Any] | None) -> None:
        self.items = node.get("items") if node is not None else None
        self.values = _distinct_enum(node)
        self.taken: set[str] = set()

    def free(self) -> list[str]:
        return [v for v in self.values or () if v not in self.taken]


class _Object:
    """An open object: its schema, the key being read or last read, and whether a key is next."""

    __slots__ = ("expect_key", "key", "node")

    def __init__(self, node: Mapping[str, Any] | None) -> None:
        self.node = node
        self.key: str | None = None
        self.expect_key = True

    def child(self) -> Any:
        if self.node is None or self.key is None:
            return None
        return self.node.get("properties", {}).get(self.key)


# The scan runs over bytes spelled as latin-1 characters (one character per byte): JSON's
# structural characters are ASCII, and UTF-8 never uses ASCII bytes inside a character.
def _octets(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def _value(body: str) -> str:
    return str(json.loads('"' + body.encode("latin-1").decode("utf-8", "replace") + '"'))


def _literal_prefix(partial: str, value: str) -> bool:
    """Whether the raw string body ``partial`` (octets) can still grow into ``value``."""
    return any(_octets(form[1:-1]).startswith(partial)
               for form in (json.dumps(value, ensure_ascii=False), json.dumps(value)))


def arguments_allow(arguments: str | bytes, schema: Mapping[str, Any]) -> bool:
    """Whether the partial JSON object ``arguments`` (valid so far for ``schema``, which the
    grammar guarantees) can still end with distinct items in every distinct-enum array.

    >>> names = {"type": "array", "uniqueItems": True,
    ...          "items": {"type": "string", "enum": ["제주", "대전"]}}
    >>> schema = {"type": "object", "properties": {"stations": names}}
    >>> start = '{"stations":["제주","'.encode()
    >>> arguments_allow(start + "제".encode()[:2], schema)  # only "제주" starts so: taken
    False
    >>> arguments_allow(start + "대".encode()[:1], schema)  # "대전" may follow
    True
    """
    if isinstance(arguments, str):
        arguments = arguments.encode("utf-8")
    stack: list[_Array | _Object] = []
    pending: Any = schema  # the schema of the value that starts next
    body: list[str] | None = None  # the raw body of the string being read
    is_key = escaped = False
    for ch in arguments.decode("latin-1"):
        if body is not None:  # inside a string
            if escaped:
                escaped = False
                body.append(ch)
                continue
            if ch == "\\":
                escaped = True
                body.append(ch)
                continue
            if ch != '"':
                body.append(ch)
                continue
            text = "".join(body)
            body = None
            top = stack[-1] if stack else None
            if is_key and isinstance(top, _Object):
                top.key = _value(text)
            elif isinstance(top, _Array) and top.values is not None:
                value = _value(text)
                if value in top.taken:
                    return False
                top.taken.add(value)
            continue
        top = stack[-1] if stack else None
        if ch == '"':
            body, is_key = [], isinstance(top, _Object) and top.expect_key
        elif ch == "{":
            stack.append(_Object(_branch(pending, "object")))
            pending = None
        elif ch == "[":
            array = _Array(_branch(pending, "array"))
            stack.append(array)
            pending = array.items
        elif ch in "}]":
            if stack:
                stack.pop()
            if not stack:
                return True  # the arguments object is closed: what follows is the block's end
            pending = None
        elif ch == ":" and isinstance(top, _Object):
            top.expect_key, pending = False, top.child()
        elif ch == "," and isinstance(top, _Array):
            if top.values is not None and not top.free():
                return False
            pending = top.items
        elif ch == "," and isinstance(top, _Object):
            top.key, top.expect_key, pending = None, True, None
    top = stack[-1] if stack else None
    if body is not None and not is_key and isinstance(top, _Array) and top.values is not None:
        partial = "".join(body)
        return any(_literal_prefix(partial, v) for v in top.free())
    return True


class UniqueItems:
    """Refuses decoded text whose last open call repeats an item of a distinct-enum array.

    ``tools`` are OpenAI-style tools (decoding schemas, with local ``$ref`` inlined); the tag
    and name strings are the call block layout (:class:`~cosmo_agent.model.inference.
    ToolCallFormat`).  ``bool(guard)`` is False when no tool has such an array.
    """

    def __init__(self, tools: Sequence[Mapping[str, Any]], *, open_tag: str, close_tag: str,
                 before_name: str, after_name: str) -> None:
        # the layout, as the bytes the decode loop hands over
        self.open_tag, self.close_tag = open_tag.encode(), close_tag.encode()
        self.before_name, self.after_name = before_name.encode(), after_name.encode()
        self.schemas: dict[str, Mapping[str, Any]] = {}
        for tool in tools:
            fn = tool.get("function", tool)
            params = fn.get("parameters") or {}
            if _has_distinct_enum(params):
                self.schemas[str(fn["name"])] = params

    def __bool__(self) -> bool:
        return bool(self.schemas)

    def allows(self, text: str | bytes) -> bool:
        """Whether ``text`` (a turn decoded so far; bytes when it may end inside a character)
        can still end in distinct items."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        start = data.rfind(self.open_tag)
        if start < 0 or data.find(self.close_tag, start) >= 0:
            return True
        head = data[start + len(self.open_tag):]
        if not head.startswith(self.before_name):
            return True
        name, sep, arguments = head[len(self.before_name):].partition(self.after_name)
        schema = self.schemas.get(name.decode("utf-8", "replace")) if sep else None
        return schema is None or arguments_allow(arguments, schema)
