"""ASGI request → func.HttpRequest and HTTP outputs → status/headers/body, as the Functions host and worker do."""

from __future__ import annotations

import http
from typing import Any

import azure.functions as func
import pytest

from funchost.bindings.http import (
    EMPTY_OK,
    HttpOutputError,
    query_params,
    request_headers,
    to_http_request,
    to_http_response,
)


def scope(
    path: str = "/api/items/5",
    *,
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    method: str = "GET",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": headers if headers is not None else [(b"host", b"example.com:8080")],
        "server": ("127.0.0.1", 8080),
        **extra,
    }


def test_request_carries_method_url_headers_query_route_params_and_body() -> None:
    req = to_http_request(
        scope(
            method="post",
            query=b"a=1&b=x%20y",
            headers=[(b"host", b"example.com:8080"), (b"Content-Type", b"application/json")],
        ),
        b'{"n": 1}',
        {"id": "5"},
    )
    assert isinstance(req, func.HttpRequest)
    assert req.method == "POST"
    assert req.url == "http://example.com:8080/api/items/5?a=1&b=x%20y"
    assert req.headers["content-type"] == "application/json" and req.headers["Content-Type"] == "application/json"
    assert dict(req.params) == {"a": "1", "b": "x y"}
    assert dict(req.route_params) == {"id": "5"}
    assert req.get_body() == b'{"n": 1}' and req.get_json() == {"n": 1}


def test_url_keeps_the_encoded_path_and_falls_back_to_the_server_address() -> None:
    req = to_http_request(scope("/api/a%20b", headers=[]), b"", {})
    assert req.url == "http://127.0.0.1:8080/api/a%20b"


def test_repeated_headers_are_joined_with_commas_and_empty_ones_dropped() -> None:
    headers = request_headers(
        scope(headers=[(b"accept", b"text/html"), (b"Accept", b"application/json"), (b"x-empty", b"")])
    )
    assert headers == {"accept": "text/html,application/json"}


def test_query_parameters_join_repeats_merge_case_and_drop_empty_values() -> None:
    assert query_params(b"tag=a&tag=b&Tag=c&empty=&plain") == {"tag": "a,b,c"}
    assert query_params(b"") == {}


def test_urlencoded_form() -> None:
    req = to_http_request(
        scope(method="POST", headers=[(b"content-type", b"application/x-www-form-urlencoded")]),
        b"name=Ada+Lovelace&lang=en&lang=fr",
        {},
    )
    assert req.form["name"] == "Ada Lovelace"
    assert req.form.getlist("lang") == ["en", "fr"]


def test_multipart_form_with_file_upload() -> None:
    boundary = "XyZ123"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="title"\r\n\r\n'
        "Report\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="upload"; filename="data.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
        "a,b\n1,2\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    content_type = f"multipart/form-data; boundary={boundary}".encode()
    req = to_http_request(scope(method="POST", headers=[(b"content-type", content_type)]), body, {})
    assert req.form["title"] == "Report"
    upload = req.files["upload"]
    assert upload.filename == "data.csv" and upload.content_type == "text/csv"
    assert upload.read() == b"a,b\n1,2\n"
    upload.close()


def test_http_response_defaults_match_the_library() -> None:
    status, headers, body = to_http_response(func.HttpResponse("héllo"))
    assert status == 200
    assert headers == [(b"content-type", b"text/plain; charset=utf-8")]
    assert body == "héllo".encode()


def test_http_response_status_mimetype_charset_and_explicit_content_type() -> None:
    out = to_http_response(func.HttpResponse(b"{}", status_code=http.HTTPStatus.CREATED, mimetype="application/json"))
    assert out[:2] == (201, [(b"content-type", b"application/json")])
    latin = to_http_response(func.HttpResponse("é", mimetype="text/html", charset="latin-1"))
    assert latin[1:] == ([(b"content-type", b"text/html; charset=latin-1")], b"\xe9")
    explicit = to_http_response(func.HttpResponse("x", headers={"Content-Type": "text/csv"}, mimetype="text/html"))
    assert explicit[1] == [(b"Content-Type", b"text/csv")]


def test_multi_value_headers_and_cookies_are_kept() -> None:
    response = func.HttpResponse("ok", headers={"X-One": "1"})
    response.headers.add("Set-Cookie", "a=1; Path=/; HttpOnly")
    response.headers.add("Set-Cookie", "b=2; Max-Age=60")
    response.headers.add("X-One", "2")
    response.headers.add("Content-Length", "999")  # recomputed when sent
    _, headers, _ = to_http_response(response)
    assert list(headers).count((b"Set-Cookie", b"a=1; Path=/; HttpOnly")) == 1
    assert (b"Set-Cookie", b"b=2; Max-Age=60") in headers
    assert [v for n, v in headers if n == b"X-One"] == [b"1", b"2"]
    assert all(n.lower() != b"content-length" for n, _ in headers)


def test_a_str_output_is_a_plain_text_200() -> None:
    assert to_http_response("plain") == (200, [(b"content-type", b"text/plain; charset=utf-8")], b"plain")


@pytest.mark.parametrize("value", [None, b"bytes", {"a": 1}, 42])
def test_other_outputs_fail_like_the_python_worker(value: object) -> None:
    with pytest.raises(HttpOutputError, match="func.HttpResponse or a str"):
        to_http_response(value)


def test_out_of_range_status_codes_fail() -> None:
    with pytest.raises(HttpOutputError, match="between 100 and 599"):
        to_http_response(func.HttpResponse("x", status_code=700))


def test_an_unset_response_is_an_empty_200() -> None:
    status, headers, body = EMPTY_OK
    assert (status, list(headers), body) == (200, [], b"")
