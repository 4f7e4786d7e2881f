"""HTTP outputs → status, headers and body, as the Python worker's HttpResponseConverter encodes them."""

from __future__ import annotations

import http

import azure.functions as func
import pytest

from funchost.bindings.http_response import EMPTY_OK, HttpOutputError, to_http_response


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
    cookies = [v for n, v in headers if n == b"set-cookie"]  # written as the host writes the worker's cookies
    assert cookies == [b"a=1; domain=; path=/; httponly", b"b=2; max-age=60; domain=; path="]
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
