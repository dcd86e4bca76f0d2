"""Read a bank's YAML safely and fast: plain data only, every surprise a message with a line number.

:func:`load_yaml` is ``yaml.safe_load`` with four changes:

- it uses the C loader (``yaml.CSafeLoader``, libyaml) when PyYAML was built
  with it, about five times faster than the pure-Python one
  (``benchmarks/bank_validation.py`` measures it);
- aliases (``*name``) and merge keys (``<<``) are refused: a bank never needs
  them, and a few hundred bytes of nested aliases expand to gigabytes;
- a key used twice in one mapping is refused with both line numbers (YAML
  would silently keep the last one, e.g. a second ``correct:`` flipping the
  answer key);
- nesting deeper than ``max_depth`` is refused before the document is built
  (libyaml's composer recurses in C and crashes the process on very deep input).

Introduced in lessons/01_onnx_format.ipynb.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["BankYAMLError", "load_yaml", "yaml_loader_class"]


class BankYAMLError(ValueError):
    """The YAML is well formed but uses something a bank may not (its message starts with the line)."""


def load_yaml(text: str, *, max_depth: int) -> Any:
    """Parse one YAML document into plain Python data (dicts, lists, strings, numbers, booleans, None).

    Args:
        text: The document.
        max_depth: The deepest nesting of lists and mappings accepted.

    Returns:
        The data; None for an empty document.

    Raises:
        BankYAMLError: An alias, a merge key, a duplicate key or nesting deeper than ``max_depth``.
        yaml.YAMLError: The text is not valid YAML (with ``problem_mark`` where PyYAML knows the line).
    """
    loader_class = yaml_loader_class()
    _check_depth(text, loader_class, max_depth)
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _check_depth(text: str, loader_class: type, max_depth: int) -> None:
    """Stream the parser's events (no document is built) and stop at the first too-deep level."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=loader_class):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > max_depth:
                line = event.start_mark.line + 1 if event.start_mark is not None else "?"
                raise BankYAMLError(
                    f"line {line}: lists and mappings nested more than {max_depth} levels deep; "
                    f"a bank needs 4 (questions > question > choices > choice)."
                )
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


@lru_cache(maxsize=1)
def yaml_loader_class() -> type:
    """The loader class banks are read with: ``yaml.CSafeLoader`` (or ``yaml.SafeLoader``) with the checks above."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class BankLoader(base):  # type: ignore[misc, valid-type]
        """Safe loading with aliases, merge keys and duplicate keys refused."""

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            # The composer hands the same node object to every alias of an anchor: seeing one twice is an alias.
            if node in self.constructed_objects or node in self.recursive_objects:
                raise BankYAMLError(
                    f"line {node.start_mark.line + 1}: YAML aliases (*name) are not allowed in a bank; "
                    f"write the value out where it is used."
                )
            return super().construct_object(node, deep=deep)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, MappingNode):
                first_line: dict[tuple[str, str], int] = {}
                for key_node, _value in node.value:
                    line = key_node.start_mark.line + 1
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        raise BankYAMLError(f"line {line}: merge keys (<<) are not allowed in a bank; write the fields out.")
                    if not isinstance(key_node, ScalarNode):
                        continue  # a list or mapping as a key: the schema check reports it
                    key = (key_node.tag, key_node.value)
                    if key in first_line:
                        raise BankYAMLError(
                            f"line {line}: duplicate key {key_node.value!r} in one mapping (first on line "
                            f"{first_line[key]}); YAML would silently keep only the last one. Remove or merge one of them."
                        )
                    first_line[key] = line
            return super().construct_mapping(node, deep=deep)

    return BankLoader
