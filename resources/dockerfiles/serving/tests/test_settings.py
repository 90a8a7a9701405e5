"""Settings come from the environment and every bad value is reported at once."""
from __future__ import annotations

import pytest

import support  # noqa: F401  (puts the app on sys.path)
from cd4ml_serving.settings import Settings, SettingsError


def test_defaults():
    settings = Settings.from_env({})

    assert settings == Settings()
    assert (settings.model_dir, settings.host, settings.port, settings.workers) == ("/opt/ml/model", "0.0.0.0", 8080, 1)
    assert settings.model_name is None and settings.image is None and settings.fluentd_host is None
    assert (settings.log_stdout, settings.fluentd_port, settings.fluentd_tag) == (True, 24224, "cd4ml.predictions")
    assert (settings.log_queue_size, settings.batch_max_size, settings.batch_max_latency_ms) == (10000, None, 5.0)
    assert settings.max_body_bytes == 1048576


def test_every_variable_is_read():
    settings = Settings.from_env({
        "CD4ML_MODEL_DIR": "/models/iris", "PORT": "9000", "CD4ML_HOST": "127.0.0.1", "CD4ML_WORKERS": "3",
        "CD4ML_MODEL_NAME": "iris", "CD4ML_IMAGE": "acme/iris:1", "CD4ML_LOG_STDOUT": "false",
        "CD4ML_FLUENTD_HOST": "fluentd.logging.svc", "CD4ML_FLUENTD_PORT": "24225", "CD4ML_FLUENTD_TAG": "ml",
        "CD4ML_LOG_QUEUE_SIZE": "50", "CD4ML_BATCH_MAX_SIZE": "32", "CD4ML_BATCH_MAX_LATENCY_MS": "2.5",
        "CD4ML_MAX_BODY_BYTES": "2048", "CD4ML_LOG_LEVEL": "DEBUG", "CD4ML_LOG_FLUSH_TIMEOUT_S": "1",
    })

    assert settings == Settings(
        model_dir="/models/iris", host="127.0.0.1", port=9000, workers=3, model_name="iris", image="acme/iris:1",
        log_stdout=False, fluentd_host="fluentd.logging.svc", fluentd_port=24225, fluentd_tag="ml",
        log_queue_size=50, batch_max_size=32, batch_max_latency_ms=2.5, max_body_bytes=2048, log_level="debug",
        log_flush_timeout_s=1.0)


def test_sagemaker_port_applies_when_port_is_unset():
    assert Settings.from_env({"SAGEMAKER_BIND_TO_PORT": "8081"}).port == 8081
    assert Settings.from_env({"SAGEMAKER_BIND_TO_PORT": "8081", "PORT": "9000"}).port == 9000


def test_empty_values_mean_default():
    assert Settings.from_env({"CD4ML_FLUENTD_HOST": "", "PORT": " "}) == Settings()


def test_all_problems_are_reported_together():
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"PORT": "http", "CD4ML_WORKERS": "0", "CD4ML_LOG_STDOUT": "sometimes",
                           "CD4ML_BATCH_MAX_LATENCY_MS": "nan", "CD4ML_LOG_LEVEL": "loud"})

    message = str(raised.value)
    for expected in ("PORT must be an integer", "CD4ML_WORKERS must be >= 1", "CD4ML_LOG_STDOUT must be true or false",
                     "CD4ML_BATCH_MAX_LATENCY_MS must be a number", "CD4ML_LOG_LEVEL must be one of"):
        assert expected in message


def test_shutdown_and_fluentd_settings():
    settings = Settings.from_env({"CD4ML_DRAIN_DELAY_S": "2", "CD4ML_GRACEFUL_TIMEOUT_S": "40",
                                  "CD4ML_FLUENTD_TIMEOUT_S": "0.5", "CD4ML_FLUENTD_ACK": "false"})
    assert (settings.drain_delay_s, settings.graceful_timeout_s) == (2, 40)
    assert (settings.fluentd_timeout_s, settings.fluentd_ack) == (0.5, False)
    assert (Settings().drain_delay_s, Settings().graceful_timeout_s, Settings().fluentd_ack) == (3, 25, True)


def test_drain_must_end_before_the_graceful_timeout():
    with pytest.raises(SettingsError, match=r"CD4ML_DRAIN_DELAY_S \(30\) must be below CD4ML_GRACEFUL_TIMEOUT_S \(25\)"):
        Settings.from_env({"CD4ML_DRAIN_DELAY_S": "30"})
