"""ASGI request → func.HttpRequest, as the Functions host and worker build it, on first use."""

from __future__ import annotations

import random
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import azure.functions as func
import azure.functions.http
import pytest

from funchost.bindings.http_request import (
    LazyHttpRequest,
    query_params,
    request_arguments,
    request_headers,
    to_http_request,
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


def test_several_repeated_names_keep_their_order_and_single_ones_stay_as_sent() -> None:
    sent = [(b"a", b"1"), (b"b", b"x"), (b"A", b"2"), (b"c", b"only"), (b"b", b"y"), (b"a", b"3"), (b"b", b"")]
    assert request_headers(scope(headers=sent)) == {"a": "1,2,3", "b": "x,y", "c": "only"}


@pytest.mark.timeout(30)  # a hang guard, not a speed check: the old one-by-one join took ~50 s of CPU for this
def test_a_header_repeated_100000_times_is_joined_whole() -> None:
    value = b"abcdefghijklmnopqrstuvwxyz012345"
    headers = request_headers(scope(headers=[(b"x-rep", value)] * 100_000 + [(b"host", b"h")]))
    joined = headers["x-rep"]
    assert len(joined) == 100_000 * len(value) + 99_999
    assert joined.split(",") == [value.decode()] * 100_000 and headers["host"] == "h"


def test_query_parameters_join_repeats_merge_case_and_drop_empty_values() -> None:
    assert query_params(b"tag=a&tag=b&Tag=c&empty=&plain") == {"tag": "a,b,c"}
    assert query_params(b"") == {}


def _query_params_by_parse_qsl(query_string: bytes) -> dict[str, str]:
    """The reference: the same rules on top of the standard library's parser."""
    merged: dict[str, tuple[str, list[str]]] = {}
    for name, value in urllib.parse.parse_qsl(query_string.decode("latin-1"), keep_blank_values=False):
        merged.setdefault(name.lower(), (name, []))[1].append(value)
    return {name: ",".join(values) for name, values in merged.values()}


def test_query_parameters_are_parsed_as_the_standard_library_parses_them() -> None:
    pieces = ["a", "A", "b", "=", "&", "+", "%20", "%2B", "%26", "%3D", "%", "%4", "%zz", "%C3%A9", "%E9", "é", ";", ""]
    rng = random.Random(20261125)
    cases = [b"", b"&", b"=", b"a", b"a=", b"=x", b"a=1&&b=2", b"a=1&A=2&a=3"]
    cases += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))).encode("latin-1") for _ in range(3000)]
    for query in cases:
        assert query_params(query) == _query_params_by_parse_qsl(query), query


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


def test_the_request_is_built_when_first_read_and_then_is_the_workers_class() -> None:
    req = to_http_request(scope(query=b"a=1"), b"", {})
    assert "_funchost_pending" in vars(req)  # nothing converted yet
    assert isinstance(req, azure.functions.http.HttpRequest) and isinstance(req, func.HttpRequest)
    assert req.params["a"] == "1"
    assert type(req) is azure.functions.http.HttpRequest and "_funchost_pending" not in vars(req)


WORKER_MEMBERS = sorted(name for name in dir(azure.functions.http.HttpRequest) if not name.startswith("_"))


def test_the_lazy_request_covers_every_public_member_of_the_workers_class() -> None:
    """If azure-functions adds a member, LazyHttpRequest must build the request for it too."""
    assert WORKER_MEMBERS == sorted(name for name in vars(LazyHttpRequest) if not name.startswith("_"))


@pytest.mark.parametrize("member", WORKER_MEMBERS)
def test_each_member_read_first_gives_what_the_worker_gives(member: str) -> None:
    headers = [(b"host", b"example.com"), (b"content-type", b"application/x-www-form-urlencoded")]
    arguments = (scope(method="POST", query=b"q=1", headers=headers), b"a=1", {"id": "5"})
    lazy, eager = to_http_request(*arguments), azure.functions.http.HttpRequest(**request_arguments(*arguments))

    def read(req: func.HttpRequest) -> Any:
        try:
            value = getattr(req, member)
            value = value() if callable(value) else value
        except Exception as exc:  # get_json() of a form body: the same error either way
            return type(exc), str(exc)
        return dict(value) if hasattr(value, "keys") else value

    assert read(lazy) == read(eager)


class SlowHeaders:
    """Scope headers that take a while to read, so a second thread arrives while the first one is building."""

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        time.sleep(0.2)
        yield (b"host", b"example.com")


def test_two_threads_reading_one_request_at_once_both_see_it_whole() -> None:
    req = LazyHttpRequest(scope(headers=SlowHeaders()), b"", {})  # type: ignore[arg-type]
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(lambda: req.headers["host"])
        time.sleep(0.05)  # the first thread is inside the build now
        second = pool.submit(lambda: req.method)
        assert (first.result(), second.result()) == ("example.com", "GET")


class HeadersFailingOnce:
    def __init__(self) -> None:
        self.reads = 0

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        self.reads += 1
        if self.reads == 1:
            raise ValueError("first read fails")
        yield (b"host", b"example.com")


def test_a_build_that_fails_is_tried_again_on_the_next_read() -> None:
    req = LazyHttpRequest(scope(headers=HeadersFailingOnce()), b"", {})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="first read fails"):
        _ = req.method
    assert req.method == "GET" and req.headers["host"] == "example.com"
