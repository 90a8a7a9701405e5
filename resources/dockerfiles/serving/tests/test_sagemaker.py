"""SageMaker hosting contract: GET /ping and POST /invocations (JSON and CSV)."""
from __future__ import annotations

from support import SETOSA, VIRGINICA

CSV = {"content-type": "text/csv"}


def test_ping(client):
    assert client.get("/ping").status_code == 200


def test_invocations_with_json(client):
    response = client.post("/invocations", json=[SETOSA, VIRGINICA])

    assert response.status_code == 200
    assert response.json()["predictions"] == ["setosa", "virginica"]


def test_invocations_with_csv_rows_in_feature_order(client):
    response = client.post("/invocations", content="5.1,3.5,1.4,0.2\n6.9,3.1,5.8,2.2\n", headers=CSV)

    assert response.status_code == 200
    assert response.json()["predictions"] == ["setosa", "virginica"]
    assert len(response.json()["probabilities"]) == 2


def test_csv_header_line_is_skipped_and_csv_answer_on_request(client):
    body = "sepal_length,sepal_width,petal_length,petal_width\r\n5.1,3.5,1.4,0.2\r\n6.9,3.1,5.8,2.2\r\n"

    response = client.post("/invocations", content=body, headers={**CSV, "accept": "text/csv"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines() == ["setosa", "virginica"]


def test_csv_errors_point_at_row_and_feature(client):
    response = client.post("/invocations", content="5.1,3.5,1.4,0.2\n6.9,abc,5.8,2.2\n5.1,3.5\n", headers=CSV)

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", 2]]
    response = client.post("/invocations", content="5.1,3.5,1.4,0.2\n6.9,abc,5.8,2.2\n", headers=CSV)
    assert [e["loc"] for e in response.json()["detail"]] == [["body", 1, "sepal_width"]]


def test_csv_empty_cell_is_a_missing_value(client):
    response = client.post("/invocations", content="5.1,,1.4,0.2\n", headers=CSV)

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", 0, "sepal_width"]]


def test_unsupported_content_type_is_415(client):
    response = client.post("/invocations", content=b"\x00\x01", headers={"content-type": "application/x-npy"})

    assert response.status_code == 415
