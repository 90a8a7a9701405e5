"""The prediction path every endpoint shares: decode → validate → predict → count → log.

Endpoints differ only in how they decode a request and encode the answer; keeping the rest here
means /predict, /invocations and the Open Inference Protocol behave and log identically.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .batching import MicroBatcher
from .execution import ExecutionPlan, ModelRunner
from .logging_sink import PredictionFields, PredictionLog, prediction_record
from .metrics import Metrics
from .model import LoadedModel, Prediction
from .errors import ClientError
from .schemas import Row, RowSchema

log = logging.getLogger("cd4ml_serving")

# Share of a prediction log queue in use from which inline model calls move to the model thread
# (see ModelRunner): a quarter leaves the senders room to catch up before anything is dropped.
LOG_BEHIND = 0.25


class ModelNotReady(Exception):
    """The model is still loading (or failed to load)."""


class PredictionFailed(Exception):
    """The model raised on valid input: a server-side problem, answered with 500."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    rows: List[Row]
    prediction: Prediction


class PredictionService:
    def __init__(self, schema: RowSchema, model_info: Dict[str, Any], metrics: Metrics,
                 prediction_log: Optional[PredictionLog] = None):
        self.schema = schema
        self.model_info = model_info  # {name, version, image} as logged
        self.metrics = metrics
        self.prediction_log = prediction_log
        self.model: Optional[LoadedModel] = None
        self.batcher: Optional[MicroBatcher] = None
        self.runner: Optional[ModelRunner] = None
        self.plan: Optional[ExecutionPlan] = None

    @property
    def ready(self) -> bool:
        return self.model is not None

    def model_ref(self) -> Dict[str, Any]:
        """The model as answers name it: {name, version}."""
        return {"name": self.model_info["name"], "version": self.model_info["version"]}

    def attach(self, model: LoadedModel, plan: ExecutionPlan, inline_max_ms: float = 0.5) -> None:
        """Serves `model` as `plan` says; on the event loop (the batcher runs there). Readiness last."""
        self.plan = plan
        self._known_classes = frozenset(model.classes.known or ())
        self.runner = ModelRunner(self.call_model, plan, self._log_behind, inline_max_ms)
        if plan.batch_max_size > 0:
            self.batcher = MicroBatcher(self.runner, plan.batch_max_size, plan.batch_max_latency_ms)
            self.batcher.start()
        self.model = model

    def _log_behind(self) -> bool:
        return self.prediction_log is not None and self.prediction_log.backlog() >= LOG_BEHIND

    async def stop(self) -> None:
        """Fails what waits for a batch and lets the model threads go (after the server drained)."""
        if self.batcher is not None:
            await self.batcher.stop()
        if self.runner is not None:
            self.runner.close()

    def call_model(self, rows: List[Dict[str, Any]]) -> Prediction:
        """The one place the model is invoked (directly or by the batcher; inline or in the model
        thread). Its predicted rows are counted here, once per call: a batch of 24 requests adds
        to each class's counter once instead of 24 times, each under the counter's lock."""
        self.metrics.batch_rows.observe(len(rows))
        prediction = self.model.predict(rows)
        self.metrics.count_predictions(prediction.predictions, self._known_classes)
        return prediction

    async def predict(self, decode: Callable[[], Sequence[Tuple[tuple, Any]]], request_id: str) -> Outcome:
        """`decode` turns the request into (error location, row) pairs; it may raise a ClientError.
        One coroutine, awaiting the batch's future directly: every frame between the request and
        that future is resumed once per request."""
        if self.model is None:
            raise ModelNotReady()
        batcher = self.batcher
        if batcher is not None:
            batcher.request_started()
        try:
            started = time.perf_counter()
            try:
                rows = self.schema.validate(decode())
            except ClientError as e:
                self._failed(request_id, started, e.status, e.reason, str(e))
                raise
            except Exception as e:  # a decoding bug: the server's fault, neither the client's nor the model's
                log.exception("decoding the request failed (request %s)", request_id)
                self._failed(request_id, started, 500, "server_error", f"{type(e).__name__}: {e}")
                raise
            try:
                features = [row.features for row in rows]
                if batcher is not None:
                    prediction = await batcher.submit(features)
                else:
                    prediction = await self.runner(features)
            except Exception as e:
                log.exception("prediction failed (request %s)", request_id)
                self._failed(request_id, started, 500, "model_error", f"{type(e).__name__}: {e}")
                raise PredictionFailed(f"{type(e).__name__}: {e}") from e
            latency_ms = (time.perf_counter() - started) * 1000.0
            self._log_rows(request_id, rows, prediction, latency_ms)
            return Outcome(rows, prediction)
        finally:
            if batcher is not None:
                batcher.request_finished()

    async def invoke_handlers(self, body: bytes, content_type: str, accept: str, request_id: str):
        """/invocations through the model's SageMaker input_fn/predict_fn/output_fn, as a SageMaker
        endpoint runs them: the body goes to input_fn as it came (no features.yaml validation, no
        per-row log record; the handlers own the format). Returns (body, content type)."""
        if self.model is None:
            raise ModelNotReady()
        handlers = self.model.handlers
        started = time.perf_counter()

        def call():
            data = handlers.input_fn(body, content_type) if handlers.input_fn else default_input(body, content_type)
            prediction = handlers.predict_fn(data, handlers.model)
            if handlers.output_fn is None:
                return default_output(prediction, accept)
            answer = handlers.output_fn(prediction, accept)
            if isinstance(answer, tuple) and len(answer) == 2:  # (body, content type) as sagemaker-inference allows
                return answer
            return answer, accept

        try:
            return await self.runner.run(call)
        except Exception as e:
            log.exception("prediction failed (request %s)", request_id)
            self._failed(request_id, started, 500, "model_error", f"{type(e).__name__}: {e}")
            raise PredictionFailed(f"{type(e).__name__}: {e}") from e

    def _log_rows(self, request_id: str, rows: List[Row], prediction: Prediction, latency_ms: float) -> None:
        if self.prediction_log is None:
            return
        now = time.time()
        emit = self.prediction_log.emit
        model_info = self.model_info
        predictions = prediction.predictions
        probabilities = prediction.probabilities
        for index, row in enumerate(rows):
            # Each sink encodes the fields into its line without building the record's dict.
            emit(PredictionFields((model_info, request_id, row.id, row.features, predictions[index],
                                   None if probabilities is None else probabilities[index], latency_ms, now)), now)

    def _failed(self, request_id: str, started: float, status: int, reason: str, message: str) -> None:
        self.metrics.prediction_errors.labels(self.model_info["name"], reason).inc()
        if self.prediction_log is None:
            return
        now = time.time()
        self.prediction_log.emit(prediction_record(
            model=self.model_info, request_id=request_id, row_id=None, features=None, prediction=None,
            probabilities=None, latency_ms=(time.perf_counter() - started) * 1000.0, status=status,
            error=message[:2000], timestamp=now), now)


def default_input(body: bytes, content_type: str):
    """SageMaker's default input_fn for scikit-learn: JSON or CSV into a NumPy array."""
    import io
    import json

    import numpy as np

    text = body.decode("utf-8")
    if content_type == "text/csv":
        return np.genfromtxt(io.StringIO(text), delimiter=",", ndmin=2)
    if content_type == "application/json":
        return np.array(json.loads(text))
    raise ValueError(f"content type {content_type!r} is not supported by the default input_fn; define input_fn")


def default_output(prediction, accept: str):
    """SageMaker's default output_fn: JSON (or CSV when asked) of the prediction."""
    import json

    values = prediction.tolist() if hasattr(prediction, "tolist") else prediction
    if accept == "text/csv":
        rows = values if isinstance(values, list) else [values]
        return "\n".join(",".join(map(str, r)) if isinstance(r, list) else str(r) for r in rows) + "\n", "text/csv"
    return json.dumps(values), "application/json"
