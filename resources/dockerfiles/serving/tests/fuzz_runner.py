"""Sends the malformed-request corpus to a server and checks every answer.

Per request: no 5xx, the expected status (class), a JSON body no larger than MAX_ANSWER_BYTES.
Afterwards: the server still answers /health and a valid prediction, and
`cd4ml_prediction_errors_total` counted none of it as `model_error` or `server_error`.

In-process use: test_fuzz.py passes a TestClient-backed `send`. Against a running server (the
real image, from ServingImageFuzzTest):

    /usr/bin/python3 tests/fuzz_runner.py --url http://127.0.0.1:8080

prints one line per failure and a JSON summary; exit code 0 when everything held, 1 otherwise.
"""
from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import urllib.parse
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzz_corpus  # noqa: E402

# With the default CD4ML_MAX_ERRORS (50), an error answer is at most ~50 entries of clipped text.
MAX_ANSWER_BYTES = 64 * 1024
SERVER_FAULT_REASONS = ("model_error", "server_error")

# (status, content type, body) for a case
Answer = Tuple[int, str, bytes]
Send = Callable[[str, str, Dict[str, str], bytes], Answer]


def check(case: dict, answer: Answer) -> Optional[str]:
    """What is wrong with the answer to one case, or None."""
    status, content_type, body = answer
    expect = case["expect"]
    if status >= 500:
        return f"{status} (server error): {body[:300]!r}"
    if expect == "4xx" and not 400 <= status < 500:
        return f"expected a 4xx, got {status}: {body[:300]!r}"
    if isinstance(expect, int) and status != expect:
        return f"expected {expect}, got {status}: {body[:300]!r}"
    if len(body) > MAX_ANSWER_BYTES:
        return f"{status} answer of {len(body)} bytes (limit {MAX_ANSWER_BYTES})"
    if not content_type.startswith("application/json"):
        return f"{status} answer is {content_type!r}, not JSON: {body[:300]!r}"
    try:
        json.loads(body)
    except ValueError as e:
        return f"{status} answer is not valid JSON ({e}): {body[:300]!r}"
    return None


def run(send: Send, cases: List[dict]) -> Tuple[List[str], Dict[str, int]]:
    """Sends every case; returns the failures and the count of answers by status (plus
    `largest_answer_bytes`)."""
    failures, statuses = [], {"largest_answer_bytes": 0}
    before = _fault_counts(send)
    version = _served_version(send)
    for case in cases:
        try:
            answer = send(case["method"], case["path"].replace("{version}", version), case["headers"],
                          fuzz_corpus.body_bytes(case))
        except Exception as e:  # a dropped connection is a failure too
            failures.append(f"{case['name']}: no answer: {type(e).__name__}: {e}")
            continue
        statuses[str(answer[0])] = statuses.get(str(answer[0]), 0) + 1
        statuses["largest_answer_bytes"] = max(statuses["largest_answer_bytes"], len(answer[2]))
        problem = check(case, answer)
        if problem:
            failures.append(f"{case['name']}: {problem}")
    failures.extend(_still_serving(send))
    after = _fault_counts(send)
    for reason in SERVER_FAULT_REASONS:
        if after.get(reason, 0) != before.get(reason, 0):
            failures.append(f"cd4ml_prediction_errors_total{{reason={reason!r}}} went from {before.get(reason, 0)} "
                            f"to {after.get(reason, 0)}: a client's mistake was counted as a server fault")
    return failures, statuses


def _still_serving(send: Send) -> List[str]:
    problems = []
    status, _, body = send("GET", "/health", {}, b"")
    if status != 200:
        problems.append(f"after the corpus /health answered {status}: {body[:200]!r}")
    status, _, body = send("POST", "/predict", {"content-type": "application/json"}, json.dumps(fuzz_corpus.ROW).encode())
    if status != 200 or b"predictions" not in body:
        problems.append(f"after the corpus a valid /predict answered {status}: {body[:200]!r}")
    return problems


def _served_version(send: Send) -> str:
    status, _, body = send("GET", f"/v2/models/{fuzz_corpus.MODEL}", {}, b"")
    if status != 200:
        raise AssertionError(f"GET /v2/models/{fuzz_corpus.MODEL} answered {status}: {body[:200]!r}")
    return json.loads(body)["versions"][0]


def _fault_counts(send: Send) -> Dict[str, float]:
    status, _, body = send("GET", "/metrics", {}, b"")
    if status != 200:
        raise AssertionError(f"/metrics answered {status}")
    counts: Dict[str, float] = {}
    for match in re.finditer(r'^cd4ml_prediction_errors_total\{([^}]*)\} (\S+)$', body.decode(), re.M):
        reason = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1))).get("reason", "")
        counts[reason] = counts.get(reason, 0.0) + float(match.group(2))
    return counts


def http_sender(base_url: str, timeout_s: float = 60.0) -> Send:
    """Raw HTTP/1.1 over http.client: headers go out exactly as the case has them."""
    url = urllib.parse.urlsplit(base_url)

    def send(method: str, path: str, headers: Dict[str, str], body: bytes) -> Answer:
        connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=timeout_s)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.getheader("content-type", ""), response.read()
        finally:
            connection.close()

    return send


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="base URL of the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--corpus", type=Path, default=fuzz_corpus.CORPUS)
    args = parser.parse_args(argv)
    cases = fuzz_corpus.load(args.corpus)
    failures, statuses = run(http_sender(args.url), cases)
    for failure in failures:
        print("FAIL " + failure)
    largest = statuses.pop("largest_answer_bytes")
    print(json.dumps({"cases": len(cases), "failures": len(failures), "statuses": statuses,
                      "largest_answer_bytes": largest}, sort_keys=True))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
