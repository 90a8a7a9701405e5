"""OpenAPI request documentation generated from features.yaml, and the /docs page.

The prediction endpoints read their bodies themselves (several accepted shapes, CSV, tensors,
a size limit, errors that point into the body), so FastAPI cannot infer their request schema;
these fragments describe it, with the feature row model as a named component.

/docs is FastAPI's Swagger UI page with its script, style and icon served by this server
(static/swagger-ui, see its README) rather than a CDN, so it works without internet access.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import FileResponse

from .oip import FEATURE_DATATYPES
from .schemas import RowSchema

SWAGGER_UI_VERSION = "5.35.0"
DOCS_ASSETS = Path(__file__).resolve().parent / "static" / "swagger-ui"
# Only these files are served: the page needs nothing else.
_ASSET_TYPES = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8",
                "favicon-32x32.png": "image/png"}


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


def install_docs(app: FastAPI, docs_url: str = "/docs") -> None:
    """/docs and its assets (the app is created with docs_url=None, redoc_url=None: FastAPI's own
    pages load their scripts from CDNs)."""

    @app.get(docs_url, include_in_schema=False)
    async def docs(request: Request):
        # Behind a path prefix (ingress root_path) every URL of the page must carry it.
        root = request.scope.get("root_path", "").rstrip("/")
        assets = f"{root}{docs_url}/assets"
        return get_swagger_ui_html(
            openapi_url=root + app.openapi_url, title=f"{app.title} - API docs",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js?v={SWAGGER_UI_VERSION}",
            swagger_css_url=f"{assets}/swagger-ui.css?v={SWAGGER_UI_VERSION}",
            swagger_favicon_url=f"{assets}/favicon-32x32.png?v={SWAGGER_UI_VERSION}",
            # No spec validator badge: it is an image from validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None})

    @app.get(docs_url + "/assets/{name}", include_in_schema=False)
    async def asset(name: str):
        media_type = _ASSET_TYPES.get(name)
        if media_type is None:
            raise HTTPException(status_code=404, detail=f"no such docs asset: {name[:100]!r}")
        return FileResponse(DOCS_ASSETS / name, media_type=media_type,
                            headers={"Cache-Control": "public, max-age=86400"})
