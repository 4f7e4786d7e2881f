"""An app written for Azure's HTTP streams (azurefunctions-extensions-http-fastapi), run unchanged by funchost.

`stream_count` is the sample from Azure's docs; `upload` iterates `req.stream()` as the upload sample does;
`events` is a server-sent-events stream that produces its last event only after the client acknowledged the
first (through `ack`), so it can only finish if the first event reached the client while the response was open;
`enqueue` sets a queue output beside its streamed response.
"""

import asyncio
import hashlib

import azure.functions as func
from azurefunctions.extensions.http.fastapi import JSONResponse, Request, StreamingResponse

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

acked: dict[str, asyncio.Event] = {}
closed: set[str] = set()


async def generate_count():
    """Generate a stream of chronological numbers."""
    for count in range(10):
        yield f"counting, {count}\n\n"


@app.route(route="stream", methods=[func.HttpMethod.GET])
async def stream_count(req: Request) -> StreamingResponse:
    """The sample from Azure's docs."""
    return StreamingResponse(generate_count(), media_type="text/event-stream")


@app.route(route="upload", methods=[func.HttpMethod.POST])
async def upload(req: Request) -> JSONResponse:
    """Count and hash the body chunk by chunk, never holding it whole."""
    digest = hashlib.sha256()
    size = chunks = 0
    async for chunk in req.stream():
        digest.update(chunk)
        size += len(chunk)
        chunks += 1
    return JSONResponse({"bytes": size, "chunks": chunks, "sha256": digest.hexdigest()})


async def event_stream(token: str, count: int):
    gate = acked.setdefault(token, asyncio.Event())
    try:
        yield f"id: 0\nevent: tick\ndata: first of {count}\n\n"
        await gate.wait()  # the client read event 0 and said so
        for number in range(1, count):
            yield f"id: {number}\nevent: tick\ndata: {'x' * 1024}\n\n"
    finally:
        acked.pop(token, None)
        closed.add(token)  # finished, or cancelled because the client went away


@app.route(route="events/{token}", methods=[func.HttpMethod.GET])
async def events(req: Request) -> StreamingResponse:
    count = int(req.query_params.get("count", "3"))
    headers = {"Cache-Control": "no-cache"}
    return StreamingResponse(
        event_stream(req.path_params["token"], count), media_type="text/event-stream", headers=headers
    )


@app.route(route="ack/{token}", methods=[func.HttpMethod.POST])
async def ack(req: Request) -> dict:
    acked.setdefault(req.path_params["token"], asyncio.Event()).set()
    return {"acked": req.path_params["token"]}


@app.route(route="closed/{token}")
async def is_closed(req: Request) -> dict:
    return {"closed": req.path_params["token"] in closed}


@app.route(route="items/{item_id:int}")
def item(req):
    """Sync, unannotated, returning a dict: FastAPI serializes it, as on Azure."""
    return {"item": req.path_params["item_id"], "q": req.query_params.get("q"), "method": req.method}


@app.route(route="fails")
async def fails(req: Request) -> JSONResponse:
    raise RuntimeError("boom")


@app.route(route="enqueue", methods=[func.HttpMethod.POST])
@app.queue_output(arg_name="msg", queue_name="%STREAM_QUEUE%", connection="QueueStorage")
async def enqueue(req: Request, msg: func.Out[str]) -> StreamingResponse:
    """An output binding beside a streamed response: the message is sent when the function returns."""
    text = (await req.body()).decode()
    msg.set(text)

    async def confirm():
        yield f"queued {len(text)} characters"

    return StreamingResponse(confirm(), media_type="text/plain")
