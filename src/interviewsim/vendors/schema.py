"""JSON schemas for vendors: pydantic's schema with every $ref inlined."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def inline_schema(model: type[BaseModel], *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The model's JSON schema without $defs/$ref (several vendors reject references)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})
    resolved: dict[str, Any] = _resolve(schema, definitions)
    for name in exclude:
        resolved.get("properties", {}).pop(name, None)
        if name in resolved.get("required", []):
            resolved["required"].remove(name)
    return resolved


def _resolve(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str):
            return _resolve(definitions[reference.rsplit("/", 1)[-1]], definitions)
        return {
            key: _resolve(value, definitions)
            for key, value in node.items()
            if not (key == "title" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [_resolve(item, definitions) for item in node]
    return node
