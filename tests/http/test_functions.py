"""HTTP functions end to end: a real function_app.py, indexed and invoked, driven over ASGI."""

from __future__ import annotations

import logging

import pytest

from tests.http.conftest import BuildApp, serve

APP = """
import asyncio
import json

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="items/{id:int}", methods=["GET"])
def get_item(req: func.HttpRequest) -> func.HttpResponse:
    doc = {
        "id": req.route_params["id"],
        "params": dict(req.params),
        "accept": req.headers.get("accept"),
        "url": req.url,
        "method": req.method,
    }
    return func.HttpResponse(json.dumps(doc), mimetype="application/json")


@app.route(route="items/{id:int}", methods=["PUT"])
async def put_item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"put": req.route_params["id"], "body": req.get_json()}), status_code=201)


@app.route(route="form", methods=["POST"])
def form(req: func.HttpRequest) -> func.HttpResponse:
    upload = req.files.get("upload")
    doc = {"fields": {k: req.form.getlist(k) for k in req.form}}
    if upload is not None:
        doc["file"] = [upload.filename, upload.read().decode()]
        upload.close()
    return func.HttpResponse(json.dumps(doc), mimetype="application/json")


@app.route(route="cookies")
def cookies(req: func.HttpRequest) -> func.HttpResponse:
    response = func.HttpResponse("with cookies", headers={"X-Multi": "1"})
    response.headers.add("Set-Cookie", "session=abc; Path=/; HttpOnly")
    response.headers.add("Set-Cookie", "theme=dark; Max-Age=3600")
    response.headers.add("X-Multi", "2")
    return response


@app.route(route="text")
def text(req: func.HttpRequest) -> str:
    return "just text"


@app.route(route="none")
def returns_none(req: func.HttpRequest) -> func.HttpResponse:
    return None


@app.route(route="dict")
def returns_dict(req: func.HttpRequest) -> func.HttpResponse:
    return {"not": "allowed"}


@app.route(route="boom")
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise ValueError("secret internal detail")


@app.route(route="out", binding_arg_name="res")
def via_out(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
    res.set(func.HttpResponse("set through Out", status_code=202))


@app.route(route="unset", binding_arg_name="res")
def never_sets(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
    pass


@app.route(route="gone", methods=["DELETE"])
def gone(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(status_code=204)


@app.route(route="slow")
async def slow(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(0)  # waits, so functionTimeout watches it
    if req.params.get("forever"):
        await asyncio.Event().wait()  # never set: only functionTimeout ends it
    return func.HttpResponse("done")


@app.route(route="files/{*path}")
def files(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params.get("path", "<none>"))
"""


async def test_route_params_query_headers_and_url(build_app: BuildApp) -> None:
    built = build_app(APP)
    async with serve(built.app) as client:
        response = await client.get("/api/items/42?x=1&x=2&empty=", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "id": "42",
        "params": {"x": "1,2"},
        "accept": "application/json",
        "url": "http://testserver/api/items/42?x=1&x=2&empty=",
        "method": "GET",
    }


async def test_json_body_and_status_code(build_app: BuildApp) -> None:
    async with serve(build_app(APP).app) as client:
        response = await client.put("/api/items/7", json={"name": "seven"})
    assert response.status_code == 201
    assert response.json() == {"put": "7", "body": {"name": "seven"}}
    assert response.headers["content-type"] == "text/plain; charset=utf-8"  # the library's default mimetype


async def test_urlencoded_and_multipart_forms(build_app: BuildApp) -> None:
    async with serve(build_app(APP).app) as client:
        plain = await client.post("/api/form", data={"a": ["1", "2"], "b": "x y"})
        upload = await client.post("/api/form", data={"title": "t"}, files={"upload": ("notes.txt", b"hello file")})
    assert plain.json() == {"fields": {"a": ["1", "2"], "b": ["x y"]}}
    assert upload.json() == {"fields": {"title": ["t"]}, "file": ["notes.txt", "hello file"]}


async def test_cookies_and_repeated_headers_survive(build_app: BuildApp) -> None:
    async with serve(build_app(APP).app) as client:
        response = await client.get("/api/cookies")
    assert response.headers.get_list("set-cookie") == [  # as the host writes the cookies the worker parsed
        "session=abc; domain=; path=/; httponly",
        "theme=dark; max-age=3600; domain=; path=",
    ]
    assert response.headers.get_list("x-multi") == ["1", "2"]
    assert response.cookies["session"] == "abc" and response.text == "with cookies"


async def test_str_return_and_out_binding(build_app: BuildApp) -> None:
    async with serve(build_app(APP).app) as client:
        text = await client.get("/api/text")
        out = await client.get("/api/out")
        unset = await client.get("/api/unset")
        gone = await client.delete("/api/gone")
    assert (text.status_code, text.text, text.headers["content-type"]) == (
        200,
        "just text",
        "text/plain; charset=utf-8",
    )
    assert (out.status_code, out.text) == (202, "set through Out")
    assert (unset.status_code, unset.content) == (200, b"")  # the host's OkResult when no response was set
    assert (gone.status_code, gone.content) == (204, b"")
    assert "content-length" not in gone.headers


@pytest.mark.parametrize("path", ["/api/none", "/api/dict", "/api/boom"])
async def test_failures_are_a_generic_500(build_app: BuildApp, caplog: pytest.LogCaptureFixture, path: str) -> None:
    async with serve(build_app(APP).app) as client:
        with caplog.at_level(logging.ERROR):
            response = await client.get(path)
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert "Traceback" not in response.text and "secret" not in response.text
    assert caplog.records, "the failure is logged on the host side"


async def test_timeout_is_a_500(build_app: BuildApp) -> None:
    async with serve(build_app(APP, timeout=0.2).app) as client:
        fast = await client.get("/api/slow")
        slow = await client.get("/api/slow", params={"forever": "1"})
    assert fast.status_code == 200
    assert slow.status_code == 500


async def test_404_405_and_head(build_app: BuildApp) -> None:
    async with serve(build_app(APP).app) as client:
        missing = await client.get("/api/nope")
        no_prefix = await client.get("/items/1")
        wrong_method = await client.post("/api/items/1")
        constraint_fails = await client.get("/api/items/abc")
        head = await client.head("/api/text")
    assert missing.status_code == 404 and no_prefix.status_code == 404 and constraint_fails.status_code == 404
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, PUT"
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == "9"


async def test_catch_all_values(build_app: BuildApp) -> None:
    async with serve(build_app(APP).app) as client:
        nested = await client.get("/api/files/a/b%20c/d.txt")
        empty = await client.get("/api/files")
    assert nested.text == "a/b c/d.txt"
    assert empty.text == "<none>"


async def test_route_prefix_from_host_json(build_app: BuildApp) -> None:
    built = build_app(APP, host_json={"version": "2.0", "extensions": {"http": {"routePrefix": ""}}})
    async with serve(built.app) as client:
        assert (await client.get("/text")).text == "just text"
        assert (await client.get("/api/text")).status_code == 404


NO_OUTPUT = """
import json
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.function_name(name="no_output")
@app.generic_trigger(arg_name="req", type="httpTrigger", route="no_output")
def no_output(req: func.HttpRequest) -> None:
    pass


@app.route(route="trace")
def trace(req: func.HttpRequest, context: func.Context) -> str:
    return json.dumps([context.trace_context.Traceparent, context.trace_context.trace_state])
"""


async def test_no_http_output_answers_204_and_the_trace_context_is_the_requests_child(build_app: BuildApp) -> None:
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with serve(build_app(NO_OUTPUT).app) as client:
        no_output = await client.get("/api/no_output")
        child = await client.get("/api/trace", headers={"traceparent": parent, "tracestate": "a=1"})
        root = await client.get("/api/trace")
    assert (no_output.status_code, no_output.content) == (204, b"")  # Functions 2.x+: no HTTP output binding
    traceparent, state = child.json()
    assert traceparent.startswith("00-0af7651916cd43dd8448eb211c80319c-") and state == "a=1"
    assert root.json()[0].startswith("00-") and "0af7651916cd43dd8448eb211c80319c" not in root.json()[0]
