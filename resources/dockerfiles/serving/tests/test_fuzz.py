"""The malformed-request corpus against the app in-process: no 5xx, bounded JSON answers, a live
server afterwards, and no client mistake counted as a model or server fault."""
from __future__ import annotations

from fastapi.testclient import TestClient

import fuzz_corpus
import fuzz_runner
from cd4ml_serving.app import create_app
from support import settings_for, wait_until


def test_the_committed_corpus_is_what_the_seeded_generator_makes():
    # Regenerate with: /usr/bin/python3 tests/fuzz_corpus.py
    assert fuzz_corpus.CORPUS.read_text(encoding="utf-8") == fuzz_corpus.render(fuzz_corpus.generate())


def test_the_corpus_has_hundreds_of_cases_on_every_endpoint_and_content_type():
    cases = fuzz_corpus.load()
    assert len(cases) >= 600
    paths = {c["path"] for c in cases}
    assert {"/predict", "/invocations", fuzz_corpus.INFER} <= paths
    types = {c["headers"].get("content-type", "").split(";")[0].lower() for c in cases}
    assert {"application/json", "text/csv", "image/png", "application/x-www-form-urlencoded", ""} <= types
    assert sum(c["name"].startswith("repro/") for c in cases) >= 20


def test_every_malformed_request_gets_a_bounded_json_4xx(model_dir):
    app = create_app(settings_for(model_dir))
    with TestClient(app, raise_server_exceptions=False) as client:
        wait_until(lambda: app.state.service.ready, "the model to load")

        def send(method, path, headers, body):
            response = client.request(method, path, headers=headers, content=body)
            return response.status_code, response.headers.get("content-type", ""), response.content

        failures, statuses = fuzz_runner.run(send, fuzz_corpus.load())

    assert failures == [], "\n".join(failures)
    assert statuses.pop("largest_answer_bytes") <= fuzz_runner.MAX_ANSWER_BYTES
    assert not any(status.startswith("5") for status in statuses)
    assert sum(n for status, n in statuses.items() if status.startswith("4")) >= 500
    assert statuses.get("404", 0) <= 5  # the versioned path reached the decoders (the right version)
