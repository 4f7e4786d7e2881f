"""Route templates and the route table: matching, ASP.NET precedence, clashes, invalid templates."""

from __future__ import annotations

import pytest

from funchost.errors import ConfigurationError, FunctionDefinitionError
from funchost.http.routing import RouteSpec, RouteTable, is_host_path, split_path
from funchost.http.template_parser import parse_template


def one(route: str, path: str, prefix: str = "api") -> dict[str, str] | None:
    table = RouteTable.build([RouteSpec("f", route)], prefix=prefix)
    found = table.match(path, "GET")
    return found.values if found.entry is not None else None


@pytest.mark.parametrize(
    ("route", "path", "expected"),
    [
        # literals: case-insensitive, one trailing slash ignored, the prefix is part of the template
        ("hello", "/api/hello", {}),
        ("hello", "/API/Hello/", {}),
        ("hello", "/hello", None),
        ("hello", "/api/hello/x", None),
        ("/a/b/", "/api/a/b", {}),  # leading/trailing '/' in the route are ignored (Azure trims them)
        ("", "/api", {}),
        # parameters: URL-decoded, never empty
        ("items/{id}", "/api/items/42", {"id": "42"}),
        ("items/{id}", "/api/items/a%20b", {"id": "a b"}),
        ("items/{id}", "/api/items/a%2Fb", {"id": "a/b"}),  # an encoded '/' stays inside its segment
        ("items/{id}", "/api/items", None),
        ("items/{id}", "/api/items//", None),
        ("{a}/{b}", "/api/x/y", {"a": "x", "b": "y"}),
        # optional and default values
        ("items/{id?}", "/api/items", {}),
        ("items/{id?}", "/api/items/7", {"id": "7"}),
        ("items/{id=7}", "/api/items", {"id": "7"}),
        ("{c=home}/{a=index}/{id?}", "/api", {"c": "home", "a": "index"}),
        ("{c=home}/{a=index}/{id?}", "/api/shop", {"c": "shop", "a": "index"}),
        ("{c=home}/{a=index}/{id?}", "/api/shop/buy/3", {"c": "shop", "a": "buy", "id": "3"}),
        ("a/{b?}/c", "/api/a/c", None),  # an optional segment can only be left out at the end
        # catch-all: the rest of the path (decoded), possibly empty
        ("files/{*path}", "/api/files/a/b/c.txt", {"path": "a/b/c.txt"}),
        ("files/{**path}", "/api/files/a%20b/c", {"path": "a b/c"}),
        ("files/{*path}", "/api/files", {}),
        ("files/{*path=index.html}", "/api/files", {"path": "index.html"}),
        ("{*route}", "/api/anything/at/all", {"route": "anything/at/all"}),
        # constraints
        ("items/{id:int}", "/api/items/12", {"id": "12"}),
        ("items/{id:int}", "/api/items/-12", {"id": "-12"}),
        ("items/{id:int}", "/api/items/abc", None),
        ("items/{id:int}", "/api/items/2147483648", None),
        ("items/{id:long}", "/api/items/2147483648", {"id": "2147483648"}),
        ("items/{id:int:min(1)}", "/api/items/0", None),
        ("items/{id:int:min(1)}", "/api/items/1", {"id": "1"}),
        ("items/{id:max(10)}", "/api/items/11", None),
        ("items/{id:range(5,10)}", "/api/items/5", {"id": "5"}),
        ("items/{id:range(5,10)}", "/api/items/11", None),
        ("v/{x:bool}", "/api/v/True", {"x": "True"}),
        ("v/{x:bool}", "/api/v/yes", None),
        ("v/{x:float}", "/api/v/1.5e3", {"x": "1.5e3"}),
        ("v/{x:double}", "/api/v/abc", None),
        ("v/{x:decimal}", "/api/v/12.50", {"x": "12.50"}),
        ("v/{x:decimal}", "/api/v/1e5", None),
        ("v/{x:guid}", "/api/v/6F9619FF-8B86-D011-B42D-00CF4FC964FF", {"x": "6F9619FF-8B86-D011-B42D-00CF4FC964FF"}),
        ("v/{x:guid}", "/api/v/6F9619FF8B86D011B42D00CF4FC964FF", {"x": "6F9619FF8B86D011B42D00CF4FC964FF"}),
        ("v/{x:guid}", "/api/v/not-a-guid", None),
        ("v/{x:datetime}", "/api/v/2024-02-29", {"x": "2024-02-29"}),
        ("v/{x:datetime}", "/api/v/2024-02-30", None),
        ("v/{x:alpha}", "/api/v/abcXYZ", {"x": "abcXYZ"}),
        ("v/{x:alpha}", "/api/v/abc1", None),
        ("v/{x:minlength(3)}", "/api/v/ab", None),
        ("v/{x:maxlength(3)}", "/api/v/abcd", None),
        ("v/{x:length(2)}", "/api/v/ab", {"x": "ab"}),
        ("v/{x:length(2,3)}", "/api/v/abcd", None),
        ("v/{x:regex(^\\d{{3}}-\\d{{4}}$)}", "/api/v/555-1234", {"x": "555-1234"}),
        ("v/{x:regex(^\\d{{3}}-\\d{{4}}$)}", "/api/v/5555-1234", None),
        ("v/{x:regex(^[a-z]+$)}", "/api/v/ABC", {"x": "ABC"}),  # ASP.NET regex constraints ignore case
        ("v/{x:regex(b)}", "/api/v/abc", {"x": "abc"}),  # and are not anchored unless the pattern says so
        ("f/{name:file}", "/api/f/a.txt", {"name": "a.txt"}),
        ("f/{name:nonfile}", "/api/f/a.txt", None),
        # complex segments: literal text and parameters in one segment, later parts match rightmost
        ("files/{name}.{ext}", "/api/files/report.pdf", {"name": "report", "ext": "pdf"}),
        ("files/{name}.{ext}", "/api/files/a.b.c", {"name": "a.b", "ext": "c"}),
        ("files/{name}.{ext?}", "/api/files/readme", {"name": "readme"}),
        ("files/{name}.{ext?}", "/api/files/a.b.c", {"name": "a.b", "ext": "c"}),
        ("p/page-{n:int}", "/api/p/PAGE-3", {"n": "3"}),
        ("p/page-{n:int}", "/api/p/page-x", None),
        # escaped braces are literal text
        ("{{literal}}", "/api/%7Bliteral%7D", {}),
    ],
)
def test_template_matches_path(route: str, path: str, expected: dict[str, str] | None) -> None:
    assert one(route, path) == expected


@pytest.mark.parametrize("prefix", ["", "v1/public", "/v1/"])
def test_route_prefix(prefix: str) -> None:
    table = RouteTable.build([RouteSpec("f", "hello")], prefix=prefix)
    stem = "/" + prefix.strip("/") if prefix.strip("/") else ""
    assert table.match(f"{stem}/hello", "GET").entry is not None
    assert table.match("/api/hello", "GET").entry is None


def test_precedence_literal_then_constrained_then_parameter_then_catch_all() -> None:
    table = RouteTable.build(
        [
            RouteSpec("catch_all", "{*rest}"),
            RouteSpec("any_id", "items/{id}"),
            RouteSpec("int_id", "items/{id:int}"),
            RouteSpec("new_item", "items/new"),
            RouteSpec("under_items", "items/{*rest}"),
        ],
        prefix="api",
    )
    winners = {path: table.match(path, "GET").entry for path in ("/api/items/new", "/api/items/5", "/api/items/x")}
    assert {p: e.function if e else None for p, e in winners.items()} == {
        "/api/items/new": "new_item",
        "/api/items/5": "int_id",
        "/api/items/x": "any_id",
    }
    assert table.match("/api/items/a/b", "GET").entry.function == "under_items"  # type: ignore[union-attr]
    assert table.match("/api/other", "GET").entry.function == "catch_all"  # type: ignore[union-attr]


def test_more_specific_longer_route_wins_over_shorter_catch_all() -> None:
    table = RouteTable.build([RouteSpec("short", "{*path}"), RouteSpec("long", "a/b/{*path}")], prefix="")
    assert table.match("/a/b/c", "GET").entry.function == "long"  # type: ignore[union-attr]


def test_wrong_method_reports_allowed_methods_and_falls_through_to_routes_that_accept_it() -> None:
    table = RouteTable.build(
        [RouteSpec("get_item", "items/{id}", ("GET",)), RouteSpec("put_item", "items/{id:int}", ("PUT", "PATCH"))],
        prefix="api",
    )
    found = table.match("/api/items/5", "DELETE")
    assert found.entry is None and found.allowed == {"GET", "PUT", "PATCH"}
    assert table.match("/api/items/5", "GET").entry.function == "get_item"  # type: ignore[union-attr]
    assert table.match("/api/items/5", "PATCH").entry.function == "put_item"  # type: ignore[union-attr]
    nothing = table.match("/api/nothing", "GET")
    assert nothing.entry is None and nothing.allowed == frozenset()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (RouteSpec("a", "items/{id}"), RouteSpec("b", "ITEMS/{other}/")),  # parameter names do not matter
        (RouteSpec("a", "items/{id:int}", ("GET", "POST")), RouteSpec("b", "items/{x:int}", ("POST",))),
        (RouteSpec("a", "x/{*rest}"), RouteSpec("b", "x/{**path}", ("GET",))),  # no methods = every method
        (RouteSpec("a", "x/{id?}"), RouteSpec("b", "x/{id=1}")),  # both may be left out
        (RouteSpec("a", "x/{a:min(1):int}"), RouteSpec("b", "x/{b:int:min(1)}")),  # constraint order
    ],
)
def test_equivalent_routes_with_overlapping_methods_clash(first: RouteSpec, second: RouteSpec) -> None:
    with pytest.raises(ConfigurationError) as caught:
        RouteTable.build([first, second], prefix="api")
    message = str(caught.value)
    assert "'a'" in message and "'b'" in message and first.route in message and second.route.strip("/") in message
    assert "Fix:" in message


@pytest.mark.parametrize(
    ("first", "second", "requests"),
    [
        (  # methods split
            RouteSpec("a", "items/{id}", ("GET",)),
            RouteSpec("b", "items/{id}", ("POST",)),
            [("GET", "/api/items/7", "a"), ("POST", "/api/items/7", "b")],
        ),
        (  # different constraints
            RouteSpec("a", "items/{id:int}"),
            RouteSpec("b", "items/{id}"),
            [("GET", "/api/items/7", "a"), ("GET", "/api/items/x", "b")],
        ),
        (  # only one matches /items
            RouteSpec("a", "items/{id}"),
            RouteSpec("b", "items/{id?}"),
            [("GET", "/api/items/7", "a"), ("GET", "/api/items", "b")],
        ),
        (
            RouteSpec("a", "items/new"),
            RouteSpec("b", "items/{id}"),
            [("GET", "/api/items/new", "a"), ("GET", "/api/items/7", "b")],
        ),
    ],
)
def test_routes_that_can_be_told_apart_do_not_clash(
    first: RouteSpec, second: RouteSpec, requests: list[tuple[str, str, str]]
) -> None:
    """Both build, and each request reaches the route meant for it."""
    table = RouteTable.build([first, second], prefix="api")
    for method, path, function in requests:
        found = table.match(path, method).entry
        assert found is not None and found.function == function, f"{method} {path}"


@pytest.mark.parametrize(
    ("route", "says"),
    [
        ("items/{id", "no matching '}'"),
        ("items/id}", "no matching '{'"),
        ("items/{}", "no valid name"),
        ("items/{a*b}", "no valid name"),
        ("items/{id:integer}", "unknown constraint 'integer'"),
        ("items/{id:min(x)}", "not a whole number"),
        ("items/{id:range(9,1)}", "greater than maximum"),
        ("items/{id:length()}", "not a whole number"),
        ("items/{id:regex([)}", "not a valid regular expression"),
        ("items/{id:min(1}", "no closing ')'"),
        ("items/{*rest}/more", "not in the last segment"),
        ("items/{*rest?}", "marked optional"),
        ("items/{id?=3}", "unexpected text"),
        ("items/{id=3?}", "optional and has a default"),
        ("{id}/{ID}", "appears twice"),
        ("a//b", "empty segment"),
        ("{a}{b}", "nothing between them"),
        ("{name?}.{ext}", "not the last part"),
        ("{name}-{ext?}", "after a '.'"),
        ("x?y", "contains '?'"),
        ("admin/reports", "reserves"),
        ("Runtime/x", "reserves"),
    ],
)
def test_invalid_templates_name_function_route_and_fix(route: str, says: str) -> None:
    with pytest.raises(FunctionDefinitionError) as caught:
        RouteTable.build([RouteSpec("broken", route)], prefix="api")
    message = str(caught.value)
    assert "Function 'broken'" in message and says in message and "Fix:" in message
    assert route in message


def test_empty_prefix_cannot_shadow_host_probes() -> None:
    with pytest.raises(FunctionDefinitionError, match="/metrics"):
        RouteTable.build([RouteSpec("m", "metrics")], prefix="")
    RouteTable.build([RouteSpec("m", "metrics")], prefix="api")


def test_templates_keep_their_text_and_precedence_digits() -> None:
    template = parse_template("/a/{b:int}/{c}/{*d}", function="f")
    assert template.text == "/a/{b:int}/{c}/{*d}"
    assert template.precedence == (1, 2, 3, 5)
    assert parse_template("x/{*d:minlength(1)}", function="f").precedence == (1, 4)


@pytest.mark.parametrize(
    ("raw", "segments"),
    [("/", []), ("", []), ("/a/b/", ["a", "b"]), ("/a%2Fb/c%20d", ["a/b", "c d"]), ("/a//b", ["a", "", "b"])],
)
def test_split_path(raw: str, segments: list[str]) -> None:
    assert split_path(raw) == segments


def test_literal_paths_answer_exactly_as_the_template_walk() -> None:
    """Requests for a literal route's own path skip the walk; the answer must be the one the walk gives."""
    routes = [
        RouteSpec("get_items", "Items", ("GET",)),
        RouteSpec("post_items", "items", ("POST",)),
        RouteSpec("by_name", "{name:alpha}", ("GET", "PUT")),
        RouteSpec("default", "{c=home}/{a=index}"),
        RouteSpec("rest", "files/{*path}", ("DELETE",)),
        RouteSpec("files", "files"),
        RouteSpec("root", ""),
    ]
    table = RouteTable.build(routes, prefix="api")
    assert {"/api/Items", "/api/items/", "/api/files", "/api"} <= set(table._literal_paths)  # the fast path is taken
    paths = ["/api/Items", "/api/items", "/api/ITEMS/", "/api/items/", "/api/files", "/api/Files/", "/api", "/api/"]
    for path in paths:
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            fast, walked = table.match(path, method), table._walk(split_path(path), method)
            assert (fast.entry, fast.values, fast.allowed) == (walked.entry, walked.values, walked.allowed), path
    assert table.match("/api/Items", "GET").entry.function == "get_items"  # type: ignore[union-attr]
    assert table.match("/api/items", "PUT").values == {"name": "items"}
    assert table.match("/api/files", "DELETE").entry.function == "files"  # type: ignore[union-attr]


@pytest.mark.parametrize(("prefix", "route", "path"), [("healthz", "", "/healthz"), ("admin", "x", "/admin/x")])
def test_literal_fast_path_never_claims_a_host_path(prefix: str, route: str, path: str) -> None:
    """The host's own paths win over function routes (FunctionDispatch); the literal fast path must not skip that."""
    table = RouteTable.build([RouteSpec("f", route)], prefix=prefix)
    assert is_host_path(path) and table.match_literal(path, "GET") is None
    assert not any(is_host_path(known) for known in table._literal_paths)
