"""Regex route constraints are bounded: a match that needs more than 1 ms leaves the event loop, answers as it would
have, and one that runs past `regexConstraintTimeout` answers 500 — while every other request is served meanwhile."""

from __future__ import annotations

import asyncio
import logging

import pytest

from funchost.errors import FunctionDefinitionError
from funchost.http.regex_constraint import BoundedRegex, SlowMatch
from funchost.http.routing import RouteSpec, RouteTable
from tests.http.conftest import BuildApp, serve

# ^(a|aa)+$ backtracks exponentially on a run of a's that ends in something else: 25 a's take tens of ms, 40 years.
APP = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="alt/{v:regex(^(a|aa)+$)}", methods=["GET"])
async def alt(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("alt " + req.route_params["v"])


@app.route(route="either/{v:regex(^(a|aa)+$|^a+!$)}/{w:regex(^(a|aa)+$|^a+!$)}", methods=["GET"])
async def either(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("either")


@app.route(route="plain/{v:regex(^[a-z]+$)}", methods=["GET"])
async def plain(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("plain")
"""

HOST_JSON = {"version": "2.0", "extensions": {"http": {"regexConstraintTimeout": "00:00:02"}}}


def test_a_match_that_needs_longer_than_the_inline_budget_raises_slow_match() -> None:
    table = RouteTable.build([RouteSpec("alt", "alt/{v:regex(^(a|aa)+$)}")], prefix="api")
    with pytest.raises(SlowMatch) as raised:
        table.match_templates("/api/alt/" + "a" * 40 + "!", "GET")
    assert raised.value.check.text == "^(a|aa)+$" and raised.value.value == "a" * 40 + "!"


def test_off_the_loop_match_decides_slow_checks_in_place() -> None:
    table = RouteTable.build([RouteSpec("either", "e/{v:regex(^(a|aa)+$|^a+!$)}")], prefix="api")
    assert table.match("/api/e/" + "a" * 24 + "!", "GET").values == {"v": "a" * 24 + "!"}
    assert table.match("/api/e/" + "a" * 24 + "?", "GET").entry is None


def test_the_regex_keeps_aspnet_options_case_insensitive_and_not_anchored() -> None:
    check = BoundedRegex("^[a-z]+$")
    assert check("ABC") and not check("ab1")
    assert BoundedRegex("b")("abc")


async def test_slow_matches_decided_off_the_loop_answer_as_an_unbounded_match_would(build_app: BuildApp) -> None:
    built = build_app(APP, host_json=HOST_JSON)
    async with serve(built.app) as client:
        no_match = await client.get("/api/alt/" + "a" * 25 + "!")  # slow, finishes: does not match
        both = await client.get("/api/either/" + "a" * 24 + "!/" + "a" * 25 + "!")  # two slow checks, both match
        plain = await client.get("/api/plain/abc")
    assert no_match.status_code == 404
    assert both.status_code == 200 and both.text == "either"
    assert plain.status_code == 200


async def test_healthz_is_answered_while_an_evil_match_runs_and_the_evil_request_gets_500(
    build_app: BuildApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, "funchost.http")
    built = build_app(APP, host_json=HOST_JSON)
    async with serve(built.app) as client:
        evil = asyncio.create_task(client.get("/api/alt/" + "a" * 40 + "!"))
        await asyncio.sleep(0)  # let it start matching
        healthz = await client.get("/healthz")
        quick = await client.get("/api/alt/aaaa")
        pending = not evil.done()
        answered = await evil
    assert healthz.status_code == 200 and quick.text == "alt aaaa"
    assert pending, "the evil request was answered before /healthz: its match ran on the event loop"
    assert answered.status_code == 500
    assert "regex(^(a|aa)+$) did not finish within 2 s" in caplog.text
    assert "regexConstraintTimeout" in caplog.text


def test_an_invalid_pattern_is_refused_when_the_table_is_built() -> None:
    with pytest.raises(FunctionDefinitionError, match=r"Function 'bad'.*'\(' is not a valid regular expression"):
        RouteTable.build([RouteSpec("bad", "x/{v:regex(()}")], prefix="api")
