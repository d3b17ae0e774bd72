"""Read YAML into dataclasses, with errors that name file:line and what was expected.

Small on purpose: scenarios.yaml is plain data, and every error should point at the line an
instructor has to fix, which a schema library validating already-parsed dicts cannot do.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import yaml


class TypedYamlError(ValueError):
    def __init__(self, path: str, node: yaml.Node | None, message: str):
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        super().__init__(f"{path}{line}: {message}")


# A scenarios file is a few hundred lines; these bounds refuse what no instructor writes (a huge
# file, an "anchor bomb" of aliases repeating aliases, absurd nesting) before it costs time or memory.
MAX_FILE_BYTES = 1024 * 1024
MAX_VALUES = 100_000  # after aliases are expanded
MAX_DEPTH = 64


def decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise TypedYamlError(f"{path}:{line}", None, f"the file is not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8") from None


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)  # libyaml, when PyYAML was built with it: ten times faster


def compose(text: str, path: str) -> yaml.Node:
    if _FAST_LOADER is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            node = yaml.compose(text, Loader=_FAST_LOADER)
        except (yaml.YAMLError, RecursionError):
            pass  # the pure-Python loader below says what is wrong, as it always has
        else:
            if node is not None:
                _check_bounds(node, path)
                return node
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as exc:  # a control character: not a MarkedYAMLError
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise TypedYamlError(f"{path}:{line}", None, f"the file holds a control character (#x{exc.character:04x}) that YAML does not allow") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}" if mark else path
        raise TypedYamlError(where, None, f"broken YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise TypedYamlError(path, None, f"broken YAML: {exc}") from None
    except RecursionError:
        raise TypedYamlError(path, None, f"the file is nested too deeply (at most {MAX_DEPTH} levels)") from None
    if node is None:
        raise TypedYamlError(path, None, "the file is empty")
    _check_bounds(node, path)
    return node


def _check_bounds(root: yaml.Node, path: str) -> None:
    """Count values as if every alias were expanded, in time linear in the file (each node once)."""
    measured: dict[int, tuple[int, int]] = {}  # node id -> (values, depth) of its expansion
    open_nodes: set[int] = set()

    def measure(node: yaml.Node) -> tuple[int, int]:
        key = id(node)
        if key in measured:
            return measured[key]
        if key in open_nodes:
            raise TypedYamlError(path, node, "an alias refers to the value that contains it")
        open_nodes.add(key)
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        values, depth = 1, 1
        for child in children:
            child_values, child_depth = measure(child)
            values, depth = values + child_values, max(depth, child_depth + 1)
        open_nodes.discard(key)
        if depth > MAX_DEPTH:
            raise TypedYamlError(path, node, f"the file is nested more than {MAX_DEPTH} levels deep")
        if values > MAX_VALUES:
            raise TypedYamlError(path, node, f"with its aliases expanded this holds more than {MAX_VALUES:,} values; write it out plainly")
        measured[key] = (values, depth)
        return values, depth

    measure(root)


def plain(node: yaml.Node, path: str) -> Any:
    """A node as plain Python data (dicts, lists, scalars), rejecting duplicate keys."""
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise TypedYamlError(path, key_node, "a key must be a plain value, not a list or a mapping")
            key = plain(key_node, path)
            if key in result:
                raise TypedYamlError(path, key_node, f"duplicate key '{key}'")
            result[key] = plain(value_node, path)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [plain(item, path) for item in node.value]
    try:
        return yaml.constructor.SafeConstructor().construct_object(node)  # a whole loader per scalar cost a run 0.05 s
    except yaml.YAMLError as exc:  # e.g. a tag only unsafe loaders know
        raise TypedYamlError(path, node, f"cannot read this value: {getattr(exc, 'problem', None) or exc}") from None
    except ValueError as exc:  # e.g. a date that does not exist
        raise TypedYamlError(path, node, f"cannot read this value: {exc}") from None


def field_name(key: str) -> str:
    return key.replace("-", "_")


def read(node: yaml.Node, hint: Any, path: str, what: str = "value") -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is object:
        return plain(node, path)
    if origin in (typing.Union, types.UnionType):
        if _is_null(node) and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        errors = []
        for option in options:
            try:
                return read(node, option, path, what)
            except TypedYamlError as exc:
                errors.append(exc)
        raise errors[0]
    if dataclasses.is_dataclass(hint):
        return read_dataclass(node, hint, path, what)
    if origin is list or hint is list:
        if not isinstance(node, yaml.SequenceNode):
            raise TypedYamlError(path, node, f"{what} must be a list")
        item = args[0] if args else Any
        return [read(child, item, path, what) for child in node.value]
    if origin is dict or hint is dict:
        if not isinstance(node, yaml.MappingNode):
            raise TypedYamlError(path, node, f"{what} must be a mapping")
        key_hint, value_hint = args if args else (Any, Any)
        result = {}
        for key_node, value_node in node.value:
            key = read(key_node, key_hint, path, f"a key of {what}")
            if key in result:
                raise TypedYamlError(path, key_node, f"duplicate key '{key}' in {what}")
            result[key] = read(value_node, value_hint, path, f"{what}.{key}")
        return result
    if hint in (str, int, float, bool):
        if not isinstance(node, yaml.ScalarNode):
            raise TypedYamlError(path, node, f"{what} must be {_article(hint)}, not a {'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}")
        value = plain(node, path)
        ok = isinstance(value, hint) and not (hint is not bool and isinstance(value, bool))
        if hint is float and isinstance(value, int) and not isinstance(value, bool):
            ok, value = True, float(value)
        if not ok:
            raise TypedYamlError(path, node, f"{what} must be {_article(hint)} (got {value!r})")
        return value
    raise TypeError(f"typed_yaml cannot read {hint!r}")


def read_dataclass(node: yaml.Node, cls: type, path: str, what: str) -> Any:
    if not isinstance(node, yaml.MappingNode):
        raise TypedYamlError(path, node, f"{what} must be a mapping with {_field_list(cls)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise TypedYamlError(path, key_node, f"a key in {what} must be a plain value")
        key = plain(key_node, path)
        name = field_name(str(key))
        if name not in fields:
            raise TypedYamlError(path, key_node, f"unknown field '{key}' in {what} (expected {_field_list(cls)})")
        if name in values:
            raise TypedYamlError(path, key_node, f"duplicate field '{key}' in {what}")
        values[name] = read(value_node, hints[name], path, f"{what}.{key}")
    for name, spec in fields.items():
        required = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        if required and name not in values:
            raise TypedYamlError(path, node, f"{what} is missing the field '{name.replace('_', '-')}'")
    instance = cls(**values)
    if hasattr(instance, "__post_init_yaml__"):
        try:
            instance.__post_init_yaml__()
        except ValueError as exc:
            raise TypedYamlError(path, node, f"{what}: {exc}") from None
    return instance


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _article(hint) -> str:
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}[hint]


def _field_list(cls) -> str:
    return ", ".join(f.name.replace("_", "-") for f in dataclasses.fields(cls) if f.init)
