"""HTTP endpoints: /predict, health and readiness, the SageMaker hosting contract, /metrics."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from . import codecs, openapi
from .middleware import request_id_of
from .schemas import RowSchema
from .service import PredictionService

_ERRORS = {
    413: {"description": "Request body larger than CD4ML_MAX_BODY_BYTES, or more rows than CD4ML_MAX_ROWS"},
    415: {"description": "A Content-Type this endpoint does not accept"},
    422: {"description": "Invalid input; `detail` lists every problem (up to CD4ML_MAX_ERRORS) with its location "
                         "in the body"},
    503: {"description": "The model is not loaded yet"},
}
_INVOCATION_TYPES = (codecs.JSON, codecs.CSV)
_PREDICT_RESPONSE = {"description": "One prediction per row, in request order", "content": {"application/json": {
    "example": {"predictions": ["setosa"], "probabilities": [{"setosa": 0.97, "versicolor": 0.03}],
                "model": {"name": "iris-classifier", "version": "3f2a9c1b7d4e"}}}}}


def service_of(request: Request) -> PredictionService:
    return request.app.state.service


def build_router(schema: RowSchema) -> APIRouter:
    router = APIRouter()

    @router.post("/predict", tags=["predict"], summary="Predict one row or a list of rows",
                 openapi_extra=openapi.predict_body(schema), responses={200: _PREDICT_RESPONSE, **_ERRORS})
    async def predict(request: Request):
        """Accepts one JSON object of feature values, a list of them, or `{"instances": [...]}`."""
        service = service_of(request)
        codecs.require_media_type(request.headers.get("content-type"), (codecs.JSON,))
        body = await request.body()
        limits = schema.limits
        outcome = await service.predict(
            lambda: codecs.json_rows(codecs.parse_json(body, limits), schema.features, limits),
            request_id_of(request.scope))
        return JSONResponse(codecs.predict_response(outcome.prediction, service.model_ref()))

    @router.post("/invocations", tags=["sagemaker"], summary="SageMaker hosting: predict (JSON or CSV)",
                 openapi_extra=openapi.invocations_body(schema), responses={200: _PREDICT_RESPONSE, **_ERRORS})
    async def invocations(request: Request):
        """JSON as for /predict, or `text/csv` rows in feature order. `Accept: text/csv` answers
        one prediction per line (SageMaker batch transform)."""
        service = service_of(request)
        header = request.headers.get("content-type")
        handlers = service.model.handlers if service.ready else None
        if handlers is not None and handlers.handles_invocations:
            # The handlers own the format; the default input_fn takes JSON and CSV only.
            content_type = ((codecs.media_type(header) or codecs.JSON) if handlers.input_fn
                            else codecs.require_media_type(header, _INVOCATION_TYPES))
            body = await request.body()
            if handlers.input_fn is None:
                codecs.check_default_input(body, content_type, schema.limits)
            accept = (request.headers.get("accept") or "application/json").split(",")[0].strip()
            if accept in ("*/*", ""):
                accept = "application/json"
            answer, media_type = await service.invoke_handlers(body, content_type, accept,
                                                               request_id_of(request.scope))
            return Response(answer, media_type=media_type)
        content_type = codecs.require_media_type(header, _INVOCATION_TYPES)
        body = await request.body()
        limits = schema.limits
        if content_type == codecs.CSV:
            def decode():
                return codecs.csv_rows(body, schema.features, limits)
        else:
            def decode():
                return codecs.json_rows(codecs.parse_json(body, limits), schema.features, limits)
        outcome = await service.predict(decode, request_id_of(request.scope))
        if codecs.accepts_csv(request.headers.get("accept")):
            return PlainTextResponse(codecs.csv_response(outcome.prediction), media_type="text/csv")
        return JSONResponse(codecs.predict_response(outcome.prediction, service.model_ref()))

    @router.get("/health", tags=["health"], summary="Liveness: the process serves requests")
    async def health(request: Request):
        failure = request.app.state.load_error
        if failure:  # a model that cannot load will not heal: let the orchestrator see it
            return JSONResponse({"status": "failed", "error": failure}, status_code=503)
        return {"status": "ok"}

    @router.get("/ready", tags=["health"], summary="Readiness: the model is loaded",
                responses={503: _ERRORS[503]})
    async def ready(request: Request):
        return _readiness(request)

    @router.get("/ping", tags=["sagemaker"], summary="SageMaker hosting health check")
    async def ping(request: Request):
        return _readiness(request)

    @router.get("/metrics", tags=["health"], summary="Prometheus metrics")
    async def metrics(request: Request):
        payload, content_type = request.app.state.metrics.render()
        return Response(payload, media_type=content_type)

    @router.get("/", include_in_schema=False)
    async def root(request: Request):
        return {"model": service_of(request).model_ref(), "docs": "/docs", "predict": "/predict"}

    return router


def _readiness(request: Request) -> JSONResponse:
    service = service_of(request)
    if request.app.state.drain.draining:  # shutting down: take this instance out of rotation
        return JSONResponse({"status": "draining", "model": service.model_ref()}, status_code=503)
    if service.ready:
        return JSONResponse({"status": "ready", "model": service.model_ref()})
    failure = request.app.state.load_error
    return JSONResponse({"status": "failed" if failure else "loading", "model": service.model_ref(),
                         **({"error": failure} if failure else {})}, status_code=503)
