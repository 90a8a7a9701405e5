"""OpenAPI request documentation generated from features.yaml.

The prediction endpoints read their bodies themselves (several accepted shapes, CSV, tensors,
a size limit, errors that point into the body), so FastAPI cannot infer their request schema;
these fragments describe it, with the feature row model as a named component.
"""
from __future__ import annotations

from typing import Any, Dict

from fastapi import FastAPI

from .oip import FEATURE_DATATYPES
from .schemas import RowSchema


def row_ref(schema: RowSchema) -> dict:
    return {"$ref": f"#/components/schemas/{schema.model.__name__}"}


def predict_body(schema: RowSchema) -> Dict[str, Any]:
    row = row_ref(schema)
    example = schema.example()
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"oneOf": [row, {"type": "array", "items": row, "minItems": 1},
                             {"type": "object", "required": ["instances"], "additionalProperties": False,
                              "properties": {"instances": {"type": "array", "items": row, "minItems": 1}}}]},
        "examples": {
            "one row": {"value": example},
            "several rows": {"value": [example, example]},
            "instances": {"value": {"instances": [example]}},
        }}}}}


def invocations_body(schema: RowSchema) -> Dict[str, Any]:
    body = predict_body(schema)
    csv_example = ",".join(str(value).lower() if isinstance(value, bool) else str(value)
                           for value in schema.example().values())
    body["requestBody"]["content"]["text/csv"] = {
        "schema": {"type": "string", "description": "one row per line, values in feature order: "
                                                    + ", ".join(f.name for f in schema.features)},
        "example": csv_example}
    return body


def infer_body(schema: RowSchema) -> Dict[str, Any]:
    tensor = {"type": "object", "required": ["name", "shape", "datatype", "data"], "properties": {
        "name": {"type": "string"}, "shape": {"type": "array", "items": {"type": "integer"}},
        "datatype": {"type": "string"}, "data": {"type": "array", "items": {}},
        "parameters": {"type": "object"}}}
    example = {"id": "42", "inputs": [
        {"name": f.name, "shape": [1], "datatype": FEATURE_DATATYPES[f.type], "data": [value]}
        for f, value in zip(schema.features, schema.example().values())]}
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "required": ["inputs"], "properties": {
            "id": {"type": "string"}, "parameters": {"type": "object"},
            "inputs": {"type": "array", "items": tensor, "minItems": 1,
                       "description": "one [N] tensor per feature, or a single [N, F] tensor in feature order"},
            "outputs": {"type": "array", "items": {"type": "object", "properties": {"name": {
                "type": "string", "enum": ["predict", "predict_proba"]}}}}}},
        "example": example}}}}


def install_components(app: FastAPI, schema: RowSchema) -> None:
    """Adds the feature row model to components/schemas so the $refs above resolve."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            document = generate()
            row = dict(schema.json_schema())
            row.setdefault("example", schema.example())
            document.setdefault("components", {}).setdefault("schemas", {})[schema.model.__name__] = row
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi
