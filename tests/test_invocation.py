"""The invocation pipeline on real indexed apps: sync in the pool / async on the loop, context, Out and
$return, functionTimeout, retry policies, metrics and log context."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from funchost.deadlines import Deadlines, _per_loop
from funchost.errors import FunctionTimeoutError, InvocationError
from funchost.invocation import FunctionInvoker, InFlight, threadpool_size
from funchost.logcontext import InvocationFilter
from funchost.metadata.app_loader import LoadedApp, load_app
from funchost.metrics import HostMetrics
from tests.support.apps import write_app
from tests.support.clock import ManualClock
from tests.support.waiting import until

APP = """
import asyncio, threading, time, logging
import azure.functions as func
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
calls = []

@app.route(route="sync")
def sync_fn(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    logging.getLogger("user").info("inside sync")
    return func.HttpResponse(f"{threading.current_thread().name}|{context.function_name}|{context.invocation_id}")

@app.route(route="async")
async def async_fn(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(threading.current_thread().name)

@app.route(route="out")
@app.queue_output(arg_name="msg", queue_name="out-q", connection="AzureWebJobsStorage")
def with_out(req: func.HttpRequest, msg: func.Out[str]) -> None:
    msg.set("queued")

@app.route(route="slow")
async def slow(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(5)
    return func.HttpResponse("late")

@app.route(route="busy-then-wait")
async def busy_then_wait(req: func.HttpRequest) -> func.HttpResponse:
    time.sleep(1.05)  # work before the first await: already past functionTimeout (1 s) when it first waits
    await asyncio.sleep(3)
    return func.HttpResponse("in time?")

gate = None

@app.route(route="waits")
async def waits(req: func.HttpRequest) -> func.HttpResponse:
    await gate.wait()
    return func.HttpResponse("released")

@app.route(route="boom")
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise ValueError("boom")

@app.schedule(schedule="0 0 * * * *", arg_name="t")
@app.retry(strategy="fixed_delay", max_retry_count="2", delay_interval="00:00:00")
def flaky(t: func.TimerRequest, context: func.Context) -> None:
    calls.append(context.retry_context.retry_count)
    if context.retry_context.retry_count < 2:
        raise RuntimeError(f"attempt {context.retry_context.retry_count}")

always_calls = []

@app.schedule(schedule="0 0 * * * *", arg_name="t")
@app.retry(strategy="fixed_delay", max_retry_count="2", delay_interval="00:00:00")
def always_fails(t: func.TimerRequest, context: func.Context) -> None:
    always_calls.append(context.retry_context.retry_count)
    raise RuntimeError(f"attempt {context.retry_context.retry_count}")

@app.schedule(schedule="0 0 * * * *", arg_name="t")
def returns_value(t: func.TimerRequest) -> None:
    return "oops"

@app.generic_trigger(arg_name="job", type="rabbitMQTrigger", queue_name="jobs", connection_string_setting="RMQ")
@app.generic_output_binding(arg_name="done", type="rabbitMQ", queue_name="done", connection_string_setting="RMQ")
def rabbit_returns(job: str, done: func.Out[str]):
    done.set("set through Out")
    return {"done": "from the returned dict", "other": 1} if job == "dict" else object() if job == "object" else job
"""


@pytest.fixture
def loaded(tmp_path: Path) -> Iterator[LoadedApp]:
    host = {"version": "2.0", "functionTimeout": "00:00:01"}
    saved = dict(os.environ)  # load_app applies local.settings.json to the environment, as the host does
    try:
        yield load_app(
            write_app(
                tmp_path / "inv",
                APP,
                host_json=host,
                settings={"AzureWebJobsStorage": "x=y", "RMQ": "amqp://guest:guest@127.0.0.1:5672/"},
            )
        )
    finally:  # a later test's host must not inherit AzureWebJobsStorage=x=y
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def invokers(loaded: LoadedApp) -> dict[str, FunctionInvoker]:
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool")
    metrics = HostMetrics()
    in_flight = InFlight()
    return {
        f.spec.name: FunctionInvoker(
            f,
            executor=executor,
            timeout=loaded.host_config.function_timeout,
            metrics=metrics,
            in_flight=in_flight,
            function_directory=str(loaded.script_root),
        )
        for f in loaded.functions
    }


async def test_sync_runs_in_pool_with_context_and_async_on_loop(invokers: dict[str, FunctionInvoker]) -> None:
    out = await invokers["sync_fn"].invoke({"req": None}, invocation_id="abc")
    thread, name, invocation = out["$return"].get_body().decode().split("|")
    assert thread.startswith("pool") and name == "sync_fn" and invocation == "abc"
    out = await invokers["async_fn"].invoke({"req": None})
    assert out["$return"].get_body().decode() == threading.current_thread().name


async def test_out_bindings_are_returned_by_name(invokers: dict[str, FunctionInvoker]) -> None:
    assert await invokers["with_out"].invoke({"req": None}) == {"msg": "queued"}


async def test_timeout_is_enforced(invokers: dict[str, FunctionInvoker]) -> None:
    with pytest.raises(FunctionTimeoutError, match="functionTimeout"):
        await invokers["slow"].invoke({"req": None})


async def test_timeout_counts_from_the_start_not_from_the_first_wait(
    invokers: dict[str, FunctionInvoker], monkeypatch: pytest.MonkeyPatch
) -> None:
    """1.05 s of work before the first await, then a 3 s wait. The loop's watchdog runs on a frozen clock, so only a
    deadline counted from the start (already past when the invocation first waits) can expire; one counted from the
    first wait never would, and the function would return after its 3 s."""
    loop = asyncio.get_running_loop()
    monkeypatch.setitem(_per_loop, loop, Deadlines(clock=ManualClock(), tick=0.001))
    with pytest.raises(FunctionTimeoutError):
        await invokers["busy_then_wait"].invoke({"req": None})


async def test_a_waiting_invocation_is_in_flight_and_one_that_never_waits_is_counted(
    invokers: dict[str, FunctionInvoker],
) -> None:
    module = __import__("function_app")
    module.gate = asyncio.Event()
    waiting = asyncio.create_task(invokers["waits"].invoke({"req": None}))
    tracker, metrics = invokers["waits"]._in_flight, invokers["waits"]._metrics
    await until(lambda: tracker.count == 1, what="the invocation to wait on its gate")
    assert 'funchost_invocations_in_flight{function="waits"} 1.0' in metrics.render().decode()
    await invokers["async_fn"].invoke({"req": None})  # finishes in its first step, never waits
    module.gate.set()
    assert (await waiting)["$return"].get_body() == b"released"
    text = metrics.render().decode()
    assert tracker.count == 0 and 'funchost_invocations_in_flight{function="waits"} 0.0' in text
    for name in ("waits", "async_fn"):
        assert f'funchost_invocations_total{{function="{name}",outcome="success"}} 1.0' in text
        assert f'funchost_invocation_duration_seconds_count{{function="{name}"}} 1.0' in text


async def test_failure_chains_the_user_error_and_is_counted(
    invokers: dict[str, FunctionInvoker], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(InvocationError) as info:
        await invokers["boom"].invoke({"req": None})
    assert isinstance(info.value.__cause__, ValueError)
    assert "Result: Failure\nException: ValueError: boom" in caplog.text  # the host's wording
    text = invokers["boom"]._metrics.render().decode()
    assert 'funchost_invocations_total{function="boom",outcome="failure"} 1.0' in text
    assert 'funchost_invocations_total{function="slow",outcome="timeout"} 0.0' in text


async def test_retry_policy_retries_then_succeeds(invokers: dict[str, FunctionInvoker], loaded: LoadedApp) -> None:
    flaky = invokers["flaky"]
    await flaky.invoke_with_retries(lambda: {"t": None}, flaky.spec.retry)
    module = __import__("function_app")
    assert module.calls == [0, 1, 2]
    assert 'funchost_retries_total{function="flaky"} 2.0' in flaky._metrics.render().decode()


async def test_retry_policy_gives_up_after_max(invokers: dict[str, FunctionInvoker]) -> None:
    always = invokers["always_fails"]
    with pytest.raises(InvocationError, match="attempt 2"):  # the last try's error
        await always.invoke_with_retries(lambda: {"t": None}, always.spec.retry)
    assert __import__("function_app").always_calls == [0, 1, 2]  # the first try and maxRetryCount (2) retries
    text = always._metrics.render().decode()
    assert 'funchost_retries_total{function="always_fails"} 2.0' in text
    assert 'funchost_invocations_total{function="always_fails",outcome="failure"} 3.0' in text


async def test_without_a_retry_policy_a_failure_is_not_retried(invokers: dict[str, FunctionInvoker]) -> None:
    boom = invokers["boom"]
    with pytest.raises(InvocationError):
        await boom.invoke_with_retries(lambda: {"req": None}, None)
    assert 'funchost_invocations_total{function="boom",outcome="failure"} 1.0' in boom._metrics.render().decode()


async def test_return_value_without_return_binding_is_an_error(
    invokers: dict[str, FunctionInvoker], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(InvocationError, match="no '\\$return' output binding"):
        await invokers["returns_value"].invoke({"t": None})
    assert any("no '$return' output binding" in r.getMessage() for r in caplog.records), "and it is logged"


async def test_a_generic_binding_takes_a_returned_value_as_the_host_does(
    invokers: dict[str, FunctionInvoker], caplog: pytest.LogCaptureFixture
) -> None:
    """RabbitMQ has no converter in azure.functions, so the worker gives the function an implicit output: a returned
    dict sets the outputs it names, any other encodable value is dropped, and one it cannot encode fails."""
    rabbit = invokers["rabbit_returns"]
    assert await rabbit.invoke({"job": "text"}) == {"done": "set through Out"}
    assert await rabbit.invoke({"job": "dict"}) == {"done": "from the returned dict"}
    with caplog.at_level(logging.ERROR), pytest.raises(InvocationError, match="returned a value of type object"):
        await rabbit.invoke({"job": "object"})
    assert any("'rabbit_returns'" in r.getMessage() for r in caplog.records)


async def test_log_records_carry_function_and_invocation(
    invokers: dict[str, FunctionInvoker], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(InvocationFilter())
    with caplog.at_level(logging.INFO, logger="user"):
        await invokers["sync_fn"].invoke({"req": None}, invocation_id="inv-42")
    (record,) = [r for r in caplog.records if r.getMessage() == "inside sync"]
    assert record.function == "sync_fn" and record.invocation_id == "inv-42"  # type: ignore[attr-defined]


async def test_log_records_and_context_show_the_same_generated_guid(
    invokers: dict[str, FunctionInvoker], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(InvocationFilter())
    with caplog.at_level(logging.INFO, logger="user"):
        out = await invokers["sync_fn"].invoke({"req": None})
    (record,) = [r for r in caplog.records if r.getMessage() == "inside sync"]
    shown = out["$return"].get_body().decode().split("|")[2]
    assert record.invocation_id == shown == str(uuid.UUID(shown))  # type: ignore[attr-defined]


def test_threadpool_size_setting() -> None:
    assert threadpool_size({}) is None
    assert threadpool_size({"PYTHON_THREADPOOL_THREAD_COUNT": "4"}) == 4
    assert threadpool_size({"PYTHON_THREADPOOL_THREAD_COUNT": "0"}) == 1


async def test_in_flight_waits_for_running_work() -> None:
    tracker = InFlight()
    tracker.enter()
    assert not await tracker.wait_idle(0)  # busy: gives up when its (zero) grace is over
    waiting = asyncio.create_task(tracker.wait_idle(30))
    await asyncio.sleep(0)
    assert not waiting.done(), "still busy"
    tracker.leave()
    assert await waiting


async def test_a_none_http_response_beside_an_output_is_logged_and_sends_nothing(
    loaded: LoadedApp, caplog: pytest.LogCaptureFixture
) -> None:
    sent: list[Mapping[str, Any]] = []

    async def send_outputs(outputs: Mapping[str, Any], binding_data: Mapping[str, Any]) -> None:
        sent.append(outputs)  # the host's output dispatcher stands here; this one records what it was given

    with_out = next(f for f in loaded.functions if f.spec.name == "with_out")
    invoker = FunctionInvoker(
        with_out,
        executor=ThreadPoolExecutor(max_workers=1),
        timeout=None,
        metrics=HostMetrics(),
        in_flight=InFlight(),
        function_directory=str(loaded.script_root),
        send_outputs=send_outputs,
    )
    with caplog.at_level(logging.ERROR), pytest.raises(InvocationError, match="returned None"):
        await invoker.invoke({"req": None})
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("'with_out'" in m and "500" in m and "not sent" in m for m in logged), logged
    assert sent == [], "a failed HTTP response sends none of the function's other outputs"
