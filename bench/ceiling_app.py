"""The ceiling: a bare ASGI app that reads the request body and returns constant JSON.

Served by the same uvicorn in the same base image as the model server, so the ratio
served/ceiling is what the model server (validation, model call, logging, metrics) costs.
"""

BODY = b'{"predictions":["setosa"],"probabilities":[{"setosa":1.0,"versicolor":0.0,"virginica":0.0}]}'


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]})
    await send({"type": "http.response.body", "body": BODY})
