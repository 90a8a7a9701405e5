"""The floor of a batching server: the least a Python ASGI handler that merges concurrent
requests into one call can do per request, with no model, validation, metrics or log.

Each request reads its body, parses it as JSON, queues a future and waits on it; one callback
per turn of the event loop (as cd4ml's MicroBatcher decides a batch) answers every queued future
at once, and each request then sends a constant JSON answer with the model server's headers.
Served like the ceiling (same uvicorn, loop, HTTP implementation and base image): floor ÷ ceiling
is the most any batching server written this way can reach, before it does any work of its own.

FLOOR_WAIT=0 leaves the future out (parse, then the constant answer at once): the difference is
what the batching wait alone costs.
"""
import asyncio
import json
import os

BODY = (b'{"predictions":["setosa"],"probabilities":[{"setosa":0.97,"versicolor":0.02,"virginica":0.01}],'
        b'"model":{"name":"iris-linear","version":"0123456789ab"}}')
HEADERS = [(b"content-length", str(len(BODY)).encode()), (b"content-type", b"application/json"),
           (b"x-request-id", b"0123456789abcdef")]
_waiting = []
_WAIT = os.environ.get("FLOOR_WAIT", "1") != "0"


def _answer_batch():
    batch = _waiting[:]
    del _waiting[:]
    for future in batch:
        future.set_result(BODY)


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    if body:  # readiness probes send none
        json.loads(body)
    answer = BODY
    if _WAIT:
        future = asyncio.get_running_loop().create_future()
        if not _waiting:
            asyncio.get_running_loop().call_soon(_answer_batch)
        _waiting.append(future)
        answer = await future
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": answer})
