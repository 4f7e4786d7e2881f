"""The invocation's W3C trace context (funchost/bindings/trace_context.py): never empty, a child of a valid incoming
`traceparent`, a new trace otherwise, and readable under the worker's older names too."""

from __future__ import annotations

import re

import pytest

from funchost.bindings.trace_context import invocation_trace

W3C = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_a_request_without_a_parent_starts_a_sampled_trace() -> None:
    one, two = invocation_trace(), invocation_trace({})
    assert W3C.fullmatch(one.trace_parent) and one.trace_parent.endswith("-01")
    assert one.trace_parent.split("-")[1] != two.trace_parent.split("-")[1]  # each is a new trace
    assert one.trace_state == ""


def test_a_valid_parent_makes_the_invocation_its_child() -> None:
    trace = invocation_trace({"traceparent": PARENT, "tracestate": "congo=t61rcWkgMzE"})
    _, trace_id, span_id, flags = trace.trace_parent.split("-")
    assert (trace_id, flags) == ("0af7651916cd43dd8448eb211c80319c", "01")
    assert span_id != "b7ad6b7169203331"  # a span of its own
    assert trace.trace_state == "congo=t61rcWkgMzE"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "garbage",
        "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    ],
)
def test_an_invalid_parent_is_ignored(bad: str) -> None:
    trace = invocation_trace({"traceparent": bad, "tracestate": "ignored=1"})
    assert W3C.fullmatch(trace.trace_parent) and "0af7651916cd43dd8448eb211c80319c" not in trace.trace_parent
    assert trace.trace_state == ""


def test_the_older_capitalised_names_read_the_same_values() -> None:
    trace = invocation_trace({"traceparent": PARENT, "tracestate": "a=1"})
    assert (trace.Traceparent, trace.Tracestate, trace.Attributes) == (trace.trace_parent, "a=1", {})
