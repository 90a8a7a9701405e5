"""The application factory.

`create_app(settings)` reads the small files of the model directory (manifest, features.yaml)
so that a broken image fails at once with a clear message; the model itself loads during the
lifespan, in the background for a single process, so /health answers at once and /ready flips
to 200 when the model can predict.
"""
from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from pathlib import Path
from typing import Optional

import anyio
from fastapi import FastAPI, Request

from . import answers, openapi
from .execution import measure_call_ms, plan_execution
from .drain import PROCESS_DRAIN, ConnectionCloseMiddleware, Drain
from .fastpath import FastPredict, ServingApp
from .features import load_features
from .logging_sink import DROP_REASONS, create_prediction_log
from .manifest import load_manifest
from .metrics import Metrics
from .errors import ClientError, Limits
from .middleware import BodyLimitMiddleware, MetricsMiddleware, RequestIdMiddleware, request_id_of
from .model import ModelLoadError, load_model, sample_rows, warm_up
from .routes import build_router
from .routes_oip import UnknownModel, build_oip_router
from .schemas import RowSchema
from .service import ModelNotReady, PredictionFailed, PredictionService
from .settings import Settings
from .versions import check as check_versions

log = logging.getLogger("cd4ml_serving")


def create_app(settings: Optional[Settings] = None, drain: Optional[Drain] = None) -> FastAPI:
    """`drain` is the server's shutdown state (runtime.py); apps made without one get their own."""
    settings = settings if settings is not None else Settings.from_env()
    model_dir = Path(settings.model_dir)
    manifest = load_manifest(model_dir / "model.json")
    features = load_features(model_dir / "features.yaml")
    model_name = settings.model_name or manifest.project
    schema = RowSchema(features, manifest.id_field, model_name, Limits(
        max_errors=settings.max_errors, max_depth=settings.max_json_depth, max_rows=settings.max_rows,
        max_csv_field_chars=settings.max_csv_field_chars))
    metrics = Metrics(model_name, manifest.version)
    service = PredictionService(schema, {"name": model_name, "version": manifest.version, "image": settings.image},
                                metrics)

    app = _fastapi(title=f"{model_name}", version=manifest.version, lifespan=_lifespan, docs_url=None, redoc_url=None,
                   description=f"Predictions from model `{model_name}` version `{manifest.version}`, "
                               "served by cd4ml. The request schema is generated from the model's features.yaml.")
    app.state.settings = settings
    app.state.manifest = manifest
    app.state.features = features
    app.state.metrics = metrics
    app.state.service = service
    app.state.load_error = None
    app.state.versions = check_versions(manifest.environment)
    if app.state.versions.mismatches:
        log.warning("model %s version %s runs with other library versions than it was trained with: %s "
                    "(build the image on a base that has the training versions, or with pip and a package index)",
                    model_name, manifest.version, "; ".join(app.state.versions.mismatches))
    app.state.drain = drain if drain is not None else Drain()

    app.include_router(build_router(schema))
    app.include_router(build_oip_router(schema))
    _install_error_handlers(app)
    # Added innermost first: metrics see every status, including 413s and 404s.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(ConnectionCloseMiddleware, drain=app.state.drain)
    openapi.install_components(app, schema)
    openapi.install_docs(app)
    if settings.fast_path:
        app.fast_path = FastPredict(app, schema, settings.max_body_bytes)
    return app


def app_from_environment() -> FastAPI:
    """Zero-argument factory for uvicorn (`--factory`), which each worker process calls."""
    return create_app(Settings.from_env(), PROCESS_DRAIN)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    settings: Settings = app.state.settings
    service: PredictionService = app.state.service
    sinks = [name for name, on in (("stdout", settings.log_stdout), ("fluentd", settings.fluentd_host)) if on]
    service.prediction_log = create_prediction_log(
        settings, service.model_info["name"], app.state.metrics.log_counters(sinks, DROP_REASONS))
    loader = asyncio.get_running_loop().create_task(_load_model(app))
    if settings.workers > 1:
        # Worker processes share one listening socket and a worker accepts connections only once
        # its startup is complete: waiting here keeps a still-loading worker from answering 503
        # while its siblings are ready. (A single process loads in the background instead, so
        # /health answers during a long load.)
        await loader
    try:
        yield
    finally:
        loader.cancel()
        await service.stop()
        # Runs after the server has drained in-flight requests: flush their log records.
        # Within the graceful timeout when the server stops on a signal.
        flush_timeout = min(settings.log_flush_timeout_s, app.state.drain.remaining())
        await anyio.to_thread.run_sync(service.prediction_log.close, flush_timeout)


async def _load_model(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    service: PredictionService = app.state.service

    def load():
        model = load_model(Path(settings.model_dir), app.state.features, app.state.manifest,
                           model_input=settings.model_input, one_pass=settings.one_pass)
        warm_up(model, app.state.features)
        return model, measure_call_ms(model.run, sample_rows(app.state.features)[0])

    try:
        model, call_ms = await anyio.to_thread.run_sync(load)
    except Exception as e:
        app.state.load_error = f"{e} ({app.state.versions.describe()})"
        log.error("cannot load the model from %s: %s", settings.model_dir, app.state.load_error,
                  exc_info=not isinstance(e, ModelLoadError))
        return
    plan = plan_execution(settings, call_ms)
    service.attach(model, plan, settings.inline_max_ms)  # last: readiness means everything is in place
    app.state.metrics.mark_ready()
    log.info("%s", plan.describe())
    log.info("model %s version %s loaded (%s)", service.model_info["name"], service.model_info["version"], model.kind)


def _install_error_handlers(app: FastAPI) -> None:
    # Every answer here is JSON of bounded size that always encodes (errors.SafeJSONResponse).
    @app.exception_handler(ClientError)
    async def client_error(request: Request, exc: ClientError):
        return answers.client_error(request.app.state.metrics, exc, request.url.path)

    @app.exception_handler(ModelNotReady)
    async def not_ready(request: Request, exc: ModelNotReady):
        return answers.not_ready(request.app.state.load_error)

    @app.exception_handler(PredictionFailed)
    async def failed(request: Request, exc: PredictionFailed):
        return answers.prediction_failed(exc, request_id_of(request.scope))

    @app.exception_handler(UnknownModel)
    async def unknown_model(request: Request, exc: UnknownModel):
        return answers.unknown_model(exc)

    @app.exception_handler(Exception)
    async def server_fault(request: Request, exc: Exception):
        # Starlette logs the traceback after this answer.
        return answers.server_fault(request_id_of(request.scope))


def _fastapi(lifespan, **kwargs) -> FastAPI:
    # FastAPI < 0.93 (Debian bookworm ships 0.92) has no `lifespan` argument, but its Starlette
    # router already runs `lifespan_context`.
    if "lifespan" in inspect.signature(FastAPI.__init__).parameters:
        return ServingApp(lifespan=lifespan, **kwargs)
    app = ServingApp(**kwargs)
    app.router.lifespan_context = lifespan
    return app
