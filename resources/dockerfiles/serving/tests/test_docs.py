"""/docs works offline: Swagger UI's script, style and icon come from the server itself."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from cd4ml_serving.app import create_app
from cd4ml_serving.openapi import DOCS_ASSETS, SWAGGER_UI_VERSION
from fluentd_receiver import free_port
from support import APP_DIR, settings_for

CHROMIUM = "/usr/bin/chromium"
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css", "favicon-32x32.png": "image/png"}


def urls_in(html: str):
    return re.findall(r'(?:src|href)="([^"]*)"', html) + re.findall(r"url: '([^']*)'", html)


def test_the_page_names_no_external_url_and_every_asset_loads_from_the_server(client):
    page = client.get("/docs")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "http://" not in page.text and "https://" not in page.text and "//cdn" not in page.text
    assert '"validatorUrl": null' in page.text  # no badge image from validator.swagger.io
    urls = urls_in(page.text)
    assert sorted(urls) == sorted([f"/docs/assets/{name}?v={SWAGGER_UI_VERSION}" for name in ASSETS]
                                  + ["/openapi.json"])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        name = url.split("/")[-1].split("?")[0]
        if name in ASSETS:
            assert response.headers["content-type"].startswith(ASSETS[name])
            assert response.content == (DOCS_ASSETS / name).read_bytes()


def test_only_the_page_assets_are_served(client):
    for name in ("LICENSE", "README.md", "../openapi.py", "%2e%2e%2fapp.py", "swagger-ui.js"):
        response = client.get(f"/docs/assets/{name}")
        assert response.status_code == 404, name
        assert response.headers["content-type"].startswith("application/json")


def test_redoc_is_not_served_since_it_would_need_a_cdn(client):
    assert client.get("/redoc").status_code == 404


def test_urls_carry_the_root_path_behind_a_prefix(model_dir):
    app = create_app(settings_for(model_dir))
    with TestClient(app, root_path="/models/iris") as client:
        page = client.get("/docs")

    assert all(url.startswith("/models/iris/") for url in urls_in(page.text)), urls_in(page.text)


def test_the_bundled_assets_are_the_recorded_release():
    readme = (DOCS_ASSETS / "README.md").read_text()

    assert f"`swagger-ui-dist` {SWAGGER_UI_VERSION}" in readme
    assert "Apache-2.0" in readme and (DOCS_ASSETS / "LICENSE").is_file() and (DOCS_ASSETS / "NOTICE").is_file()
    assert f'PACKAGE_VERSION:"{SWAGGER_UI_VERSION}"' in (DOCS_ASSETS / "swagger-ui-bundle.js").read_text()
    assert sorted(p.name for p in DOCS_ASSETS.iterdir()) == sorted(
        list(ASSETS) + ["LICENSE", "NOTICE", "README.md", "swagger-ui-bundle.js.LICENSE.txt"])


def test_swagger_ui_renders_every_operation_in_a_browser_that_can_reach_nothing_else(model_dir):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing; this test renders /docs in headless Chromium. "
                    "Install it with apt-get install chromium (scripts/setup-env does this)")
    port = free_port()
    environment = {**os.environ, "PYTHONPATH": str(APP_DIR), "CD4ML_MODEL_DIR": str(model_dir), "PORT": str(port),
                   "CD4ML_HOST": "127.0.0.1", "CD4ML_LOG_STDOUT": "false"}
    server = subprocess.Popen([sys.executable, "-m", "cd4ml_serving"], env=environment,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_ready(server, f"http://127.0.0.1:{port}")
        with tempfile.TemporaryDirectory() as profile:
            # Every host but this machine fails to resolve: a page that needed a CDN would stay blank.
            rendered = subprocess.run(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", f"--user-data-dir={profile}",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--virtual-time-budget=8000",
                 "--dump-dom", f"http://127.0.0.1:{port}/docs"],
                capture_output=True, text=True, timeout=180)
    finally:
        server.terminate()
        server.communicate(timeout=30)

    summaries = re.findall(r'opblock-summary-description[^>]*>([^<]*)<', rendered.stdout)
    assert "Predict one row or a list of rows" in summaries, rendered.stdout[-2000:]
    assert {"SageMaker hosting: predict (JSON or CSV)", "Inference", "Model metadata"} <= set(summaries)


def _wait_ready(server: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}: {server.stderr.read()}")
        try:
            if httpx.get(f"{url}/ready", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not become ready within 60 s")
