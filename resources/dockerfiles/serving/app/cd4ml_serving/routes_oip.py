"""Open Inference Protocol (v2) endpoints: server and model metadata, readiness, inference."""
from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from . import __version__, codecs, oip, openapi
from .middleware import request_id_of
from .schemas import RowSchema
from .service import PredictionService

_TAGS = ["open inference protocol"]
_PUBLIC_MANIFEST_KEYS = ("created", "digest", "git", "target", "metrics", "run_id")


class UnknownModel(Exception):
    def __init__(self, message: str):
        super().__init__(message)


def build_oip_router(schema: RowSchema) -> APIRouter:
    router = APIRouter(tags=_TAGS)

    @router.get("/v2", summary="Server metadata")
    async def server_metadata():
        return {"name": "cd4ml-serving", "version": __version__, "extensions": []}

    @router.get("/v2/health/live", summary="Server liveness")
    async def server_live(request: Request):
        live = not request.app.state.load_error
        return JSONResponse({"live": live}, status_code=200 if live else 503)

    @router.get("/v2/health/ready", summary="Server readiness")
    async def server_ready(request: Request):
        ready = _service(request).ready
        return JSONResponse({"ready": ready}, status_code=200 if ready else 503)

    @router.get("/v2/models/{name}", summary="Model metadata")
    @router.get("/v2/models/{name}/versions/{version}", include_in_schema=False)
    async def model_metadata(request: Request, name: str, version: Optional[str] = None):
        service = _checked(request, name, version)
        manifest = request.app.state.manifest.raw
        return {
            "name": service.model_info["name"],
            "versions": [service.model_info["version"]],
            "platform": service.model.kind if service.ready else "loading",
            "inputs": [{"name": f.name, "datatype": oip.FEATURE_DATATYPES[f.type], "shape": [-1]}
                       for f in schema.features],
            "outputs": _outputs_metadata(service),
            # Provenance only: data URIs and backend details stay in the image labels.
            "parameters": {**{k: manifest[k] for k in _PUBLIC_MANIFEST_KEYS if k in manifest},
                           **request.app.state.versions.parameters()},
        }

    @router.get("/v2/models/{name}/ready", summary="Model readiness")
    @router.get("/v2/models/{name}/versions/{version}/ready", include_in_schema=False)
    async def model_ready(request: Request, name: str, version: Optional[str] = None):
        service = _checked(request, name, version)
        return JSONResponse({"name": service.model_info["name"], "ready": service.ready},
                            status_code=200 if service.ready else 503)

    @router.post("/v2/models/{name}/infer", summary="Inference", openapi_extra=openapi.infer_body(schema))
    @router.post("/v2/models/{name}/versions/{version}/infer", include_in_schema=False)
    async def infer(request: Request, name: str, version: Optional[str] = None):
        service = _checked(request, name, version)
        codecs.require_media_type(request.headers.get("content-type"), (codecs.JSON,))
        body = await request.body()
        state = {}

        def decode():
            payload = codecs.parse_json(body, schema.limits)
            rows = oip.rows_from_request(payload, schema.features, schema.limits)
            state["outputs"] = oip.requested_outputs(payload, service.model.has_probabilities)
            state["id"] = payload.get("id")
            return rows

        request_id = request_id_of(request.scope)
        outcome = await service.predict(decode, request_id)
        answer_id = state["id"] if state["id"] is not None else request_id
        return oip.response(outcome.prediction, state["outputs"], service.model_info["name"],
                            service.model_info["version"], str(answer_id))

    return router


def _outputs_metadata(service: PredictionService) -> list:
    model = service.model
    if model is None:  # still loading: what the model returns is not known yet
        return [{"name": "predict", "datatype": "BYTES", "shape": [-1]}]
    classes = model.classes.columns
    outputs = [{"name": "predict", "datatype": oip.datatype_of(classes) if classes else "FP64", "shape": [-1]}]
    if model.has_probabilities:
        proba = {"name": "predict_proba", "datatype": "FP64", "shape": [-1, len(classes) if classes else -1]}
        if classes:
            proba["parameters"] = {"classes": model.classes.known}
        outputs.append(proba)
    return outputs


def _service(request: Request) -> PredictionService:
    return request.app.state.service


def _checked(request: Request, name: str, version: Optional[str]) -> PredictionService:
    service = _service(request)
    if name != service.model_info["name"]:
        raise UnknownModel(f"model {name!r} is not served here; this server serves {service.model_info['name']!r}")
    if version is not None and version != service.model_info["version"]:
        raise UnknownModel(f"model {name!r} has no version {version!r}; "
                           f"this server serves {service.model_info['version']!r}")
    return service
