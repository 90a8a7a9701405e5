"""Server settings, read from the environment once at start-up.

A plain frozen dataclass instead of pydantic's BaseSettings: BaseSettings moved to a separate
package in pydantic 2, and the image must work with whatever pydantic its base image ships.
"""
from __future__ import annotations

import dataclasses
import math
import os
from typing import Mapping, Optional


class SettingsError(ValueError):
    """One or more environment variables hold values the server cannot use."""


@dataclasses.dataclass(frozen=True)
class Settings:
    model_dir: str = "/opt/ml/model"
    host: str = "0.0.0.0"
    port: int = 8080
    workers: int = 1
    model_name: Optional[str] = None  # None: the manifest's project
    image: Optional[str] = None
    log_stdout: bool = True
    fluentd_host: Optional[str] = None  # None: no Fluentd sink
    fluentd_port: int = 24224
    fluentd_tag: str = "cd4ml.predictions"
    fluentd_timeout_s: float = 3.0  # connect, write and acknowledgement deadline per batch
    fluentd_ack: bool = True  # wait for the peer's ack of every batch (Fluentd, Fluent Bit >= 1.5)
    log_queue_size: int = 10000
    batch_max_size: Optional[int] = None  # None: on (32) for models whose call is not cheap; 0: off
    batch_max_latency_ms: float = 5.0
    max_body_bytes: int = 1024 * 1024
    # Bounds on the work and the answer one request can cause (see errors.Limits).
    max_errors: int = 50
    max_json_depth: int = 32
    max_rows: int = 10000
    max_csv_field_chars: int = 131072
    log_level: str = "info"
    # Seconds to wait for queued prediction records to be sent when the server stops.
    log_flush_timeout_s: float = 5.0
    # Shutdown: drain (ready 503, Connection: close) for drain_delay_s after the stop signal, and
    # be gone within graceful_timeout_s of it (below Kubernetes' default 30 s grace period).
    drain_delay_s: float = 3.0
    graceful_timeout_s: float = 25.0
    # auto: a NumPy array in feature order where checked equal to the DataFrame; dataframe: always.
    model_input: str = "auto"
    one_pass: bool = True  # label = argmax of predict_proba where checked to agree with predict
    # auto: inline when a one-row call measured at load costs at most inline_max_ms, else a model thread
    model_execution: str = "auto"
    inline_max_ms: float = 0.5
    model_concurrency: int = 1  # model calls running at once off the event loop
    fast_path: bool = True  # POST /predict served before FastAPI's routing (fastpath.py); same answers

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Reads every CD4ML_* variable; reports all bad values in one error."""
        env = os.environ if env is None else env
        reader = _EnvReader(env)
        default = cls()
        settings = cls(
            model_dir=reader.text("CD4ML_MODEL_DIR", default.model_dir),
            host=reader.text("CD4ML_HOST", default.host),
            # SageMaker multi-container endpoints name the port in SAGEMAKER_BIND_TO_PORT.
            port=reader.integer("PORT", reader.integer("SAGEMAKER_BIND_TO_PORT", default.port, 1), 1, 65535),
            workers=reader.integer("CD4ML_WORKERS", default.workers, 1),
            model_name=reader.text("CD4ML_MODEL_NAME", None),
            image=reader.text("CD4ML_IMAGE", None),
            log_stdout=reader.boolean("CD4ML_LOG_STDOUT", default.log_stdout),
            fluentd_host=reader.text("CD4ML_FLUENTD_HOST", None),
            fluentd_port=reader.integer("CD4ML_FLUENTD_PORT", default.fluentd_port, 1, 65535),
            fluentd_tag=reader.text("CD4ML_FLUENTD_TAG", default.fluentd_tag),
            fluentd_timeout_s=reader.number("CD4ML_FLUENTD_TIMEOUT_S", default.fluentd_timeout_s, 0.01),
            fluentd_ack=reader.boolean("CD4ML_FLUENTD_ACK", default.fluentd_ack),
            log_queue_size=reader.integer("CD4ML_LOG_QUEUE_SIZE", default.log_queue_size, 1),
            batch_max_size=reader.integer("CD4ML_BATCH_MAX_SIZE", None, 0),
            batch_max_latency_ms=reader.number("CD4ML_BATCH_MAX_LATENCY_MS", default.batch_max_latency_ms, 0),
            max_body_bytes=reader.integer("CD4ML_MAX_BODY_BYTES", default.max_body_bytes, 1),
            max_errors=reader.integer("CD4ML_MAX_ERRORS", default.max_errors, 1, 10000),
            # The JSON parser recurses once per level: stay far below the interpreter's limit.
            max_json_depth=reader.integer("CD4ML_MAX_JSON_DEPTH", default.max_json_depth, 4, 256),
            max_rows=reader.integer("CD4ML_MAX_ROWS", default.max_rows, 1),
            max_csv_field_chars=reader.integer("CD4ML_MAX_CSV_FIELD_CHARS", default.max_csv_field_chars, 1),
            log_level=reader.choice("CD4ML_LOG_LEVEL", default.log_level,
                                    ("critical", "error", "warning", "info", "debug")),
            log_flush_timeout_s=reader.number("CD4ML_LOG_FLUSH_TIMEOUT_S", default.log_flush_timeout_s, 0),
            model_input=reader.choice("CD4ML_MODEL_INPUT", default.model_input, ("auto", "dataframe")),
            one_pass=reader.boolean("CD4ML_ONE_PASS", default.one_pass),
            model_execution=reader.choice("CD4ML_MODEL_EXECUTION", default.model_execution,
                                          ("auto", "inline", "thread")),
            inline_max_ms=reader.number("CD4ML_INLINE_MAX_MS", default.inline_max_ms, 0),
            model_concurrency=reader.integer("CD4ML_MODEL_CONCURRENCY", default.model_concurrency, 1),
            fast_path=reader.boolean("CD4ML_FAST_PATH", default.fast_path),
            drain_delay_s=reader.number("CD4ML_DRAIN_DELAY_S", default.drain_delay_s, 0),
            graceful_timeout_s=reader.number("CD4ML_GRACEFUL_TIMEOUT_S", default.graceful_timeout_s, 1),
        )
        if not reader.problems and settings.drain_delay_s >= settings.graceful_timeout_s:
            reader.problems.append(f"CD4ML_DRAIN_DELAY_S ({settings.drain_delay_s:g}) must be below "
                                   f"CD4ML_GRACEFUL_TIMEOUT_S ({settings.graceful_timeout_s:g})")
        if reader.problems:
            raise SettingsError("invalid environment: " + "; ".join(reader.problems))
        return settings


class _EnvReader:
    """Parses typed values and collects every problem instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env
        self.problems: list[str] = []

    def _raw(self, name: str) -> Optional[str]:
        value = self.env.get(name)
        return None if value is None or value.strip() == "" else value.strip()

    def text(self, name, default):
        value = self._raw(name)
        return default if value is None else value

    def integer(self, name, default, minimum=None, maximum=None):
        value = self._raw(name)
        if value is None:
            return default
        try:
            parsed = int(value)
        except ValueError:
            self.problems.append(f"{name} must be an integer, got {value!r}")
            return default
        return self._in_range(name, parsed, default, minimum, maximum)

    def number(self, name, default, minimum=None):
        value = self._raw(name)
        if value is None:
            return default
        try:
            parsed = float(value)
        except ValueError:
            parsed = math.nan
        if not math.isfinite(parsed):
            self.problems.append(f"{name} must be a number, got {value!r}")
            return default
        return self._in_range(name, parsed, default, minimum, None)

    def boolean(self, name, default):
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        self.problems.append(f"{name} must be true or false, got {value!r}")
        return default

    def choice(self, name, default, allowed):
        value = self._raw(name)
        if value is None:
            return default
        if value.lower() not in allowed:
            self.problems.append(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
            return default
        return value.lower()

    def _in_range(self, name, value, default, minimum, maximum):
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
            self.problems.append(f"{name} must be {bounds}, got {value}")
            return default
        return value
