"""The malformed-request corpus: a seeded generator and the committed file it writes.

Every case is one HTTP request that a client could send by mistake or on purpose: broken JSON,
wrong types, hostile nesting, oversized numbers, strings and fields, lone surrogates, broken CSV,
broken Open Inference Protocol tensors, wrong Content-Types, too many rows or bytes; the issue's
reproductions are in it by name (`repro/...`). The same corpus runs in-process (test_fuzz.py) and
against the real serving image (fuzz_runner.py, from ServingImageFuzzTest).

`python3 tests/fuzz_corpus.py` rewrites tests/resources/fuzz-corpus.jsonl; test_fuzz.py fails if
the committed file and the generator disagree. Bodies are stored as segments (`text` or `b64`,
optionally `repeat`ed) so megabyte bodies stay small on disk.
"""
from __future__ import annotations

import base64
import json
import random
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

SEED = 14
GENERATED = 640
CORPUS = Path(__file__).resolve().parent / "resources" / "fuzz-corpus.jsonl"

MODEL = "iris-classifier"
INFER = f"/v2/models/{MODEL}/infer"
# {version}: the runner puts in the version the server reports (GET /v2/models/{MODEL}).
VERSIONED_INFER = f"/v2/models/{MODEL}/versions/{{version}}/infer"
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
JSON = "application/json"
CSV = "text/csv"
# The server's defaults (errors.Limits, Settings.max_body_bytes) that some cases straddle.
MAX_ROWS = 10000
MAX_DEPTH = 32
MAX_BODY = 1024 * 1024
MAX_CSV_FIELD = 131072

# Expectations: "4xx" (any client error), a number (exactly that status), "no5xx" (a mutation that
# may happen to stay valid: anything but a server error).
Case = Dict[str, Any]


def case(name: str, path: str, body, content_type: Optional[str] = JSON, expect: Any = "4xx",
         method: str = "POST", accept: Optional[str] = None) -> Case:
    headers = {}
    if content_type is not None:
        headers["content-type"] = content_type
    if accept is not None:
        headers["accept"] = accept
    return {"name": name, "method": method, "path": path, "headers": headers, "body": _segments(body),
            "expect": expect}


def _segments(body) -> List[dict]:
    if isinstance(body, list):
        return body
    if isinstance(body, bytes):
        return [{"b64": base64.b64encode(body).decode("ascii")}]
    return [{"text": body}]


def repeat(text: str, times: int) -> dict:
    return {"text": text, "repeat": times}


def body_bytes(c: Case) -> bytes:
    out = bytearray()
    for segment in c["body"]:
        piece = base64.b64decode(segment["b64"]) if "b64" in segment else segment["text"].encode("utf-8")
        out += piece * segment.get("repeat", 1)
    return bytes(out)


def reproductions() -> List[Case]:
    """The requests issue 14 found answered with 500 (and its amplification and leniency cases)."""
    overflow = json.dumps(ROW).replace("5.1", "1" + "0" * 399)
    csv_rows = "5.1,3.5,1.4,0.2\n"
    tensor = {"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [5.1, 3.5, 1.4, 0.2]}
    return [
        case("repro/400-digit-integer-in-a-float-feature", "/predict", overflow),
        case("repro/400-digit-integer-on-invocations", "/invocations", overflow),
        case("repro/400-digit-integer-in-a-tensor", INFER, json.dumps(
            {"inputs": [{**tensor, "data": [int("1" + "0" * 399), 3.5, 1.4, 0.2]}]})),
        case("repro/predict-nested-1000-deep", "/predict", [repeat("[", 1000), repeat("]", 1000)]),
        case("repro/invocations-nested-1000-deep", "/invocations", [repeat("[", 1000), repeat("]", 1000)]),
        case("repro/infer-data-nested-980-deep", INFER, [
            {"text": '{"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": '},
            repeat("[", 980), repeat("]", 980), {"text": "}]}"}]),
        case("repro/nested-100-deep", "/predict", [repeat("[", 100), repeat("]", 100)]),
        case("repro/csv-field-over-131072-chars", "/invocations",
             [repeat("1", MAX_CSV_FIELD + 1), {"text": ",3.5,1.4,0.2\n"}], CSV),
        case("repro/csv-quoted-field-over-131072-chars", "/invocations",
             [{"text": '"'}, repeat("1", MAX_CSV_FIELD + 1), {"text": '",3.5,1.4,0.2\n'}], CSV),
        case("repro/csv-bare-cr-line-endings-bad-rows", "/invocations", "5.1,3.5,1.4\r6.9,x,5.8,2.2\r", CSV),
        case("repro/csv-cr-inside-a-field", "/invocations", "5.1,3.\r5,1.4,0.2\n", CSV),
        case("repro/infer-datatype-is-a-list", INFER, json.dumps({"inputs": [{**tensor, "datatype": []}]})),
        case("repro/infer-datatype-is-an-object", INFER, json.dumps({"inputs": [{**tensor, "datatype": {}}]})),
        case("repro/lone-surrogate-key", "/predict", '{"\\ud800":1}'),
        case("repro/lone-surrogate-request-id", "/predict",
             json.dumps({**ROW, "request_id": "@"}).replace("@", "\\ud800")),
        case("repro/lone-surrogate-infer-id", INFER,
             json.dumps({"id": "@", "inputs": [tensor]}).replace("@", "\\udfff")),
        case("repro/lone-surrogate-csv-cell", "/invocations", b"5.1,\xed\xa0\x80,1.4,0.2\n", CSV),
        case("repro/1mb-csv-of-bad-rows", "/invocations", [repeat("a,b,c,d,e,f,g\n", (MAX_BODY - 100) // 14)], CSV),
        case("repro/1mb-csv-of-long-bad-rows", "/invocations",
             [repeat("x" * 120 + ",1,2\n", (MAX_BODY - 100) // 125)], CSV),
        case("repro/image-png-on-predict", "/predict", json.dumps(ROW), "image/png", expect=415),
        case("repro/image-png-on-infer", INFER, json.dumps({"inputs": [tensor]}), "image/png", expect=415),
        case("repro/curl-d-form-urlencoded", "/predict", json.dumps(ROW), "application/x-www-form-urlencoded",
             expect=415),
        case("repro/too-many-json-rows", "/predict", [{"text": "["}, repeat(json.dumps(ROW) + ",", MAX_ROWS),
                                                      {"text": json.dumps(ROW) + "]"}], expect=413),
        case("repro/too-many-csv-rows", "/invocations", [repeat(csv_rows, MAX_ROWS + 1)], CSV, expect=413),
        case("repro/body-over-the-limit", "/predict", [repeat(" ", MAX_BODY + 1)], expect=413),
        case("misc/get-predict", "/predict", "", None, expect=405, method="GET"),
        case("misc/post-health", "/health", json.dumps(ROW), expect=405),
        case("misc/post-nowhere", "/nowhere", json.dumps(ROW), expect=404),
        case("misc/infer-another-model", "/v2/models/other/infer", json.dumps({"inputs": [tensor]}), expect=404),
        case("misc/no-content-type-bad-json", "/predict", "{", None, expect=422),
    ]


def generate(seed: int = SEED, count: int = GENERATED) -> List[Case]:
    """The reproductions followed by `count` generated cases; the same seed gives the same list."""
    rng = random.Random(seed)
    makers = [_json_mutation, _wrong_value, _wrong_structure, _wrong_key, _wrong_content_type, _csv_case,
              _oip_case, _oip_value, _deep_json]
    cases = reproductions()
    for index in range(count):
        maker = makers[index % len(makers)]
        made = maker(rng)
        made["name"] = f"gen/{index:04d}/{maker.__name__.lstrip('_')}/{made['name']}"
        cases.append(made)
    return cases


def _endpoint(rng: random.Random) -> str:
    return rng.choice(["/predict", "/invocations", INFER, VERSIONED_INFER])


def _valid_json_body(rng: random.Random, path: str) -> Any:
    rows = [dict(ROW) for _ in range(rng.randint(1, 3))]
    if "/v2/" in path:
        if rng.random() < 0.5:
            return {"id": "r1", "inputs": [{"name": "input-0", "shape": [len(rows), 4], "datatype": "FP64",
                                            "data": [r[f] for r in rows for f in FEATURES]}]}
        return {"inputs": [{"name": f, "shape": [len(rows)], "datatype": "FP64", "data": [r[f] for r in rows]}
                           for f in FEATURES]}
    return rng.choice([rows[0], rows, {"instances": rows}])


_NASTY_VALUES = [None, True, False, "", "x", "5.1", "nan", "NaN", "Infinity", "-inf", "1e400", [], {}, [5.1],
                 {"v": 5.1}, -1, -1e308, 1e308, 10 ** 19, -(10 ** 19), 2 ** 63, 0.5e-323, "\u0000", "\ufeff",
                 "é" * 50, "🌸", "x" * 2000, [[[]]], 1.7976931348623157e308]


# Literals among those below that a float feature in [0, 5] accepts (pydantic turns "5.1" into 5.1).
_VALID_FLOAT_LITERALS = ('"5.1"', "5e-324", "-0", "0.0e-999")


def _nasty_literal(rng: random.Random) -> str:
    """A JSON value text, including ones json.dumps cannot write (NaN, lone surrogates, huge ints)."""
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * rng.randint(20, 400),
                           "-0", "0.0e-999", "1E+2", "01", "1.", ".5", "+1", "0x10", "true", "nul"])
    if kind == 1:
        return '"' + rng.choice(["\\ud800", "\\udfff", "\\ud83d", "a\\udc00b", "\\ud800\\ud800"]) + '"'
    return json.dumps(rng.choice(_NASTY_VALUES))


def _json_mutation(rng: random.Random) -> Case:
    path = _endpoint(rng)
    text = json.dumps(_valid_json_body(rng, path))
    position = rng.randrange(len(text))
    how = rng.randrange(5)
    if how == 0:
        text, what = text[:position], "truncated"
    elif how == 1:
        text, what = text[:position] + text[position + 1:], "char-deleted"
    elif how == 2:
        text, what = text[:position] + rng.choice('{}[]",:\\ \n0-e.') + text[position:], "char-inserted"
    elif how == 3:
        text, what = text[:position] + text[position:] * 2, "tail-doubled"
    else:
        return case("bytes-inserted", path, text[:position].encode() + bytes(rng.randrange(256) for _ in range(4))
                    + text[position:].encode(), expect="no5xx")
    return case(what, path, text, expect="no5xx")


def _wrong_value(rng: random.Random) -> Case:
    path = rng.choice(["/predict", "/invocations"])
    feature = rng.choice(FEATURES + ["request_id"])
    literal = _nasty_literal(rng)
    rows = rng.randint(1, 3)
    row = json.dumps({**ROW, feature: "@@"}).replace('"@@"', literal)
    body = row if rows == 1 else "[" + ", ".join([json.dumps(ROW)] * (rows - 1) + [row]) + "]"
    # request_id takes strings and integers, so some values there are valid.
    valid = feature == "request_id" or literal in _VALID_FLOAT_LITERALS
    return case(f"{feature}={literal[:20]}", path, body, expect="no5xx" if valid else "4xx")


def _wrong_structure(rng: random.Random) -> Case:
    path = rng.choice(["/predict", "/invocations"])
    options = [
        ("empty", ""), ("whitespace", " \n\t "), ("null", "null"), ("number", "42"), ("string", '"row"'),
        ("empty-list", "[]"), ("empty-object", "{}"), ("list-of-numbers", "[5.1, 3.5, 1.4, 0.2]"),
        ("list-of-lists", "[[5.1, 3.5, 1.4, 0.2]]"), ("instances-not-a-list", '{"instances": {"a": 1}}'),
        ("instances-empty", '{"instances": []}'), ("instances-of-strings", '{"instances": ["a", "b"]}'),
        ("two-documents", json.dumps(ROW) + json.dumps(ROW)), ("list-with-null", "[" + json.dumps(ROW) + ", null]"),
        ("trailing-comma", json.dumps(ROW)[:-1] + ",}"), ("single-quotes", json.dumps(ROW).replace('"', "'")),
        ("bom-then-json", "\ufeff" + json.dumps(ROW)), ("comment", "/* row */" + json.dumps(ROW)),
        ("mixed-rows", json.dumps([ROW, 1, "x", [], {"a": 1}])),
    ]
    name, body = rng.choice(options)
    return case(name, path, body, expect="no5xx" if name == "bom-then-json" else "4xx")


def _wrong_key(rng: random.Random) -> Case:
    path = rng.choice(["/predict", "/invocations"])
    kind = rng.randrange(5)
    if kind == 0:
        length = rng.choice([200, 5000, 100000])
        return case("long-unknown-key", path, [{"text": json.dumps(ROW)[:-1] + ', "'}, repeat("k", length),
                                               {"text": '": 1}'}])
    elif kind == 1:
        key, name = rng.choice(["", " ", "sepal_length ", "SEPAL_LENGTH", "sepal\u00a0length", "__proto__",
                                "instances"]), "near-miss-key"
    elif kind == 2:
        keys = "".join(f', "k{i}": 0' for i in range(rng.randint(60, 600)))
        return case("many-unknown-keys", path, json.dumps(ROW)[:-1] + keys + "}")
    elif kind == 3:
        return case("many-bad-rows", path, [{"text": "["}, repeat('{"k": 1}, ', rng.randint(60, 5000)),
                                            {"text": '{"k": 1}]'}])
    else:
        return case("duplicate-key", path, json.dumps(ROW)[:-1] + ', "sepal_length": "x"}')
    row = {k: v for k, v in ROW.items() if rng.random() < 0.7}
    row[key] = 1.0
    return case(name, path, json.dumps(row))


_CONTENT_TYPES = ["image/png", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                  "application/xml", "application/jsonx", "json", "application/json-patch+json", "*/*", ";",
                  "application/octet-stream", "text/html; charset=utf-8", "application/x-npy",
                  "text/csv; header=present; charset=utf-8", "application/json; charset=utf-8", "TEXT/CSV",
                  "Application/JSON", "text/tab-separated-values", "a" * 300]


def _wrong_content_type(rng: random.Random) -> Case:
    path = _endpoint(rng)
    content_type = rng.choice(_CONTENT_TYPES)
    base = content_type.split(";")[0].strip().lower()
    body = json.dumps(_valid_json_body(rng, path))
    accepted = {"application/json"} | ({"text/csv"} if path == "/invocations" else set())
    if base in accepted:
        # An accepted type with a body that is wrong for it (JSON sent as CSV and the reverse).
        body = "5.1,3.5,1.4,0.2\n" if base == "application/json" else body
        return case(f"accepted-type-wrong-body/{content_type}", path, body, content_type)
    return case(f"type/{content_type[:40]}", path, body, content_type, expect=415)


def _csv_case(rng: random.Random) -> Case:
    good = "5.1,3.5,1.4,0.2"
    options = [
        ("too-few", "5.1,3.5,1.4\n"), ("too-many", "5.1,3.5,1.4,0.2,9\n"), ("text", "a,b,c,d\n"),
        ("semicolons", "5.1;3.5;1.4;0.2\n"), ("tabs", "5.1\t3.5\t1.4\t0.2\n"), ("unclosed-quote", '"5.1,3.5,1.4,0.2\n'),
        ("quote-in-field", '5"1,3.5,1.4,0.2\n'), ("nul", "5.1,\x003.5,1.4,0.2\n"), ("empty", ""), ("blank-lines", "\n\n\r\n"),
        ("header-only", ",".join(FEATURES) + "\n"), ("wrong-header", "a,b,c,d\n" + good + "\n"),
        ("nan", "nan,3.5,1.4,0.2\n"), ("inf", "5.1,inf,1.4,0.2\n"), ("huge", "1" + "0" * 400 + ",3.5,1.4,0.2\n"),
        ("out-of-range", "99,3.5,1.4,0.2\n"), ("mixed-endings-bad", good + "\r" + "x,1\r\n" + good + "\n"),
        ("cr-in-field", "5.1,3\r.5,1.4,0.2\n"), ("escaped-quote", '"5.1""",3.5,1.4,0.2\n'),
        ("empty-cells", ",,,\n"), ("json-as-csv", json.dumps(ROW)), ("lone-cr", "\r"),
    ]
    name, body = rng.choice(options)
    rows = rng.randint(1, 4)
    text = (good + "\n") * (rows - 1) + body if rng.random() < 0.5 else body + (good + "\n") * (rows - 1)
    if rng.random() < 0.1:
        return case(f"{name}/latin-1", "/invocations", text.encode("utf-8") + b"\xe9\xff", CSV)
    # Blank lines and a header are skipped: next to good rows they are fine, alone there is no row.
    harmless = name in ("blank-lines", "lone-cr", "empty", "header-only", "empty-cells") and rows > 1
    return case(f"{name}/{rows}-rows", "/invocations", text, rng.choice([CSV, "text/csv; charset=utf-8"]),
                expect="no5xx" if harmless else "4xx")


def _oip_case(rng: random.Random) -> Case:
    path = rng.choice([INFER, VERSIONED_INFER])
    tensor = {"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [5.1, 3.5, 1.4, 0.2]}
    field = rng.choice(["name", "shape", "datatype", "data", "parameters", None])
    value = rng.choice([None, [], {}, [[]], "", "FP64", 4, -1, 1.5, True, [1, -4], [1.0, 4.0], ["1", "4"], [1, 4, 1],
                        [0, 4], [10 ** 30, 4], [1, 4] * 50, [[1, 4]], "x" * 300, {"a": []}])
    if field is None:
        body = rng.choice([{"inputs": value}, {"inputs": [value]}, {"inputs": [tensor], "outputs": value},
                           {"inputs": [tensor], "outputs": [value]}, {"inputs": [tensor], "outputs": [{"name": value}]},
                           {"inputs": [tensor], "id": value}, {"inputs": [tensor, tensor]},
                           {"inputs": [dict(tensor, name=f) for f in FEATURES + ["extra"]]}, {}, value])
        # `id` and `outputs` accept some of these values (a string id, outputs [] or null).
        return case("request-level", path, json.dumps(body), expect="no5xx")
    broken = dict(tensor)
    if value is None and rng.random() < 0.5:
        del broken[field]
    else:
        broken[field] = value
    # Most values are wrong for their field; a few happen to be right (shape [1, 4], datatype FP64).
    return case(f"{field}={json.dumps(value)[:30]}", path, json.dumps({"inputs": [broken]}), expect="no5xx")


def _oip_value(rng: random.Random) -> Case:
    literal = _nasty_literal(rng)
    layout = rng.randrange(2)
    if layout == 0:
        body = ('{"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [5.1, @@, 1.4, 0.2]}]}'
                .replace("@@", literal))
    else:
        inputs = [{"name": f, "shape": [1], "datatype": "FP64", "data": ["@@" if f == "petal_width" else ROW[f]]}
                  for f in FEATURES]
        body = json.dumps({"inputs": inputs}).replace('"@@"', literal)
    return case(f"value={literal[:20]}", INFER, body, expect="no5xx" if literal in _VALID_FLOAT_LITERALS else "4xx")


def _deep_json(rng: random.Random) -> Case:
    path = _endpoint(rng)
    depth = rng.choice([MAX_DEPTH + 1, 64, 500, 999, 1000, 5000, 100000])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}"), ('[{"a":', "}]")])
    closed = rng.random() < 0.8
    body = [repeat(opener, depth), {"text": "1"}] + ([repeat(closer, depth)] if closed else [])
    if "/v2/" in path and rng.random() < 0.5:
        body = [{"text": '{"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": '}] + body \
            + [{"text": "}]}"}]
    return case(f"depth-{depth}{'' if closed else '-unclosed'}-{opener}", path, body)


def load(path: Path = CORPUS) -> List[Case]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def render(cases: List[Case]) -> str:
    return "".join(json.dumps(c, ensure_ascii=True, sort_keys=True) + "\n" for c in cases)


def iterate(path: Path = CORPUS) -> Iterator[Case]:
    yield from load(path)


if __name__ == "__main__":
    CORPUS.parent.mkdir(parents=True, exist_ok=True)
    CORPUS.write_text(render(generate()), encoding="utf-8")
    print(f"wrote {len(generate())} cases to {CORPUS}", file=sys.stderr)
