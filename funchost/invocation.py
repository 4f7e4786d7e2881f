"""Running one function: argument binding, sync-in-threadpool / async-on-loop, timeout, retries, metrics, logs.

`FunctionInvoker.invoke(inputs)` takes already-converted input values by binding name and returns the
output values by binding name (`$return` for the return value). Triggers convert payloads to and from
`azure.functions` types; this module only runs the function. When `needs_binding_data` is True (the function has
input bindings or outputs bound to trigger data), a trigger passes `binding_data=` (a callable that builds the
trigger's binding data; see `funchost.inputs`): it is called once, the inputs are read with it before the
function runs and the outputs are sent with it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from time import perf_counter
from types import MappingProxyType
from typing import Any

from funchost.bindings.context import InvocationContext, Out, RetryContext
from funchost.bindings.http_response import HttpOutputError, to_http_response
from funchost.bindings.implicit_output import has_implicit_output, spread_returned
from funchost.bindings.trace_context import invocation_trace
from funchost.deadlines import Deadlines, deadlines
from funchost.eager import resume
from funchost.errors import FunctionTimeoutError, InvocationError
from funchost.invocation_ids import invocation_id_text, next_invocation_number
from funchost.logcontext import current_invocation
from funchost.metadata.indexing import IndexedFunction
from funchost.metadata.signature import CONTEXT_PARAMETER
from funchost.metadata.spec import Direction, RetryPolicy
from funchost.metrics import HostMetrics

logger = logging.getLogger("funchost.invocation")
FIRST_TRY = RetryContext(0, 0, None)
_NO_OUTS: Mapping[str, Out[Any]] = MappingProxyType({})
_NO_DATA: Mapping[str, Any] = MappingProxyType({})
BindingDataSource = Callable[[], Mapping[str, Any]]


def threadpool_size(env: Mapping[str, str] | None = None) -> int | None:
    """`PYTHON_THREADPOOL_THREAD_COUNT` (min 1) or None for Python's default, as the Python worker does."""
    env = os.environ if env is None else env
    raw = env.get("PYTHON_THREADPOOL_THREAD_COUNT")
    if not raw:
        return None
    try:
        return max(1, int(raw))
    except ValueError:
        logger.warning("PYTHON_THREADPOOL_THREAD_COUNT=%r is not a number; using Python's default", raw)
        return None


class InFlight:
    """Counts running invocations so shutdown can wait for them."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        if self.count == 0:
            self._idle.clear()
        self.count += 1

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, grace_seconds: float | None) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), grace_seconds)
        except TimeoutError:
            return False
        return True


class FunctionInvoker:
    """Invokes one indexed function; one instance per function, shared by every trigger delivery."""

    def __init__(
        self,
        indexed: IndexedFunction,
        *,
        executor: ThreadPoolExecutor,
        timeout: float | None,
        metrics: HostMetrics,
        in_flight: InFlight,
        function_directory: str,
        send_outputs: Callable[[Mapping[str, Any], Mapping[str, Any]], Awaitable[None]] | None = None,
        resolve_inputs: Callable[[Mapping[str, Any]], Awaitable[Mapping[str, Any]]] | None = None,
        outputs_need_binding_data: bool = False,
    ) -> None:
        self.spec = indexed.spec
        self._send_outputs = send_outputs
        self._resolve_inputs = resolve_inputs
        self.needs_binding_data = resolve_inputs is not None or outputs_need_binding_data
        self.name = indexed.spec.name
        self._callable = indexed.callable
        self._executor = executor
        self._timeout = timeout
        self._metrics = metrics
        self._in_flight = in_flight
        self._directory = function_directory
        self.is_async = inspect.iscoroutinefunction(indexed.callable)
        parameters = inspect.signature(indexed.callable).parameters
        self._wants_context = CONTEXT_PARAMETER in parameters and CONTEXT_PARAMETER not in {
            b.name for b in self.spec.bindings
        }
        self._out_names = tuple(
            b.name for b in self.spec.bindings if b.direction is not Direction.IN and b.name != "$return"
        )
        self._has_return = any(b.name == "$return" for b in self.spec.bindings)
        self._implicit_output = not self._has_return and has_implicit_output(b.type for b in self.spec.bindings)
        self._returns_only = self._has_return and not self._out_names  # e.g. an HTTP function returning its response
        http_outputs = [b.name for b in self.spec.bindings if b.direction is not Direction.IN and b.is_type("http")]
        # An HTTP-streams function returns a FastAPI response or any value FastAPI encodes: nothing to check here.
        self._http_output = http_outputs[0] if http_outputs and not indexed.http_stream else None
        self._params = tuple(parameters)
        self._param_names = frozenset(parameters)
        self._inputs_only = not self._out_names and not self._wants_context
        self._function_log = logging.getLogger(f"Function.{self.name}")
        metrics.register_function(self.name)
        self._gauge = metrics.in_flight.labels(self.name)
        self._histogram = metrics.duration.distribution(self.name)
        self._counters = {o: metrics.invocations.labels(self.name, o) for o in ("success", "failure", "timeout")}
        self._watch: tuple[asyncio.AbstractEventLoop, Deadlines] | None = None  # this loop's timeout watchdog

    async def invoke(
        self,
        inputs: Mapping[str, Any],
        *,
        retry_context: RetryContext | None = None,
        invocation_id: str | None = None,
        binding_data: BindingDataSource | None = None,
    ) -> dict[str, Any]:
        """Run the function once; raise `InvocationError` (cause chained) or `FunctionTimeoutError` on failure."""
        invocation: str | int = invocation_id or next_invocation_number()  # formatted only if shown
        data = _NO_DATA
        if self.needs_binding_data and binding_data is not None:
            data = binding_data()
        outs = {name: Out[Any]() for name in self._out_names} if self._out_names else _NO_OUTS
        if self._inputs_only:  # the common case: every parameter is an input binding, often exactly the inputs
            args = inputs if inputs.keys() <= self._param_names else {n: inputs[n] for n in self._params if n in inputs}
        else:
            args = self._arguments(inputs, outs, invocation_id_text(invocation), retry_context or FIRST_TRY)
        token = current_invocation.set((self.name, invocation))
        started = perf_counter()
        outcome = "failure"
        # An invocation is counted in flight and watched for functionTimeout (by the per-loop watchdog in
        # funchost/deadlines.py, not a timer per call) from the moment it first waits: before that nothing else
        # on the loop can run, so neither shutdown nor a scrape nor the watchdog could see it (funchost/eager.py).
        waiting = False
        deadline: tuple[Deadlines, int] | None = None  # this loop's watchdog and our key in it, once registered
        try:
            if self._resolve_inputs is not None:
                waiting, deadline = True, self._start_waiting(started)
                read = await self._resolve_inputs(data)
                args = {**args, **{n: v for n, v in read.items() if n in self._param_names}}
            if self.is_async:
                coroutine = self._callable(**args)
                try:
                    pending = coroutine.send(None)
                except StopIteration as done:
                    result = done.value
                else:
                    if not waiting:
                        waiting, deadline = True, self._start_waiting(started)
                    result = await resume(coroutine, pending)
            else:
                if not waiting:
                    waiting, deadline = True, self._start_waiting(started)
                result = await self._call_sync(args)
            outputs = {"$return": result} if self._returns_only and result is not None else self._collect(outs, result)
            if self._send_outputs is not None:
                self._check_http_output(outputs)  # a bad HTTP result fails the invocation before anything is sent
                if not waiting:
                    waiting, deadline = True, self._start_waiting(started)
                await self._send_outputs(outputs, data)
            outcome = "success"
        except asyncio.CancelledError:
            if deadline is None or not deadline[0].unregister(deadline[1]):
                raise  # cancelled by someone else (shutdown): not a timeout
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
            outcome = "timeout"
            self._function_log.error("Timeout value of %s exceeded by function '%s'", self._timeout, self.name)
            raise FunctionTimeoutError(
                f"Function '{self.name}' ran longer than functionTimeout ({self._timeout} s) and was abandoned. "
                "Fix: make it faster or raise functionTimeout in host.json"
            ) from None
        except InvocationError:
            raise
        except Exception as exc:
            self._function_log.exception(  # the host's wording: "Result: Failure / Exception: <type>: <message>"
                "Executed '%s' (Failed, Id=%s)\nResult: Failure\nException: %s: %s",
                self.name,
                invocation_id_text(invocation),
                type(exc).__name__,
                exc,
            )
            raise InvocationError(f"Function '{self.name}' failed: {type(exc).__name__}: {exc}") from exc
        finally:
            if waiting:
                if deadline is not None and deadline[0].unregister(deadline[1]) and outcome != "timeout":
                    # The watchdog cancelled us but the function turned that into another error: undo the cancel.
                    task = asyncio.current_task()
                    if task is not None:
                        task.uncancel()
                self._gauge.dec()
                self._in_flight.leave()
            self._histogram.observe(perf_counter() - started)
            self._counters[outcome].inc()
            current_invocation.reset(token)
        return outputs

    def _start_waiting(self, started: float) -> tuple[Deadlines, int] | None:
        """The invocation is about to wait: count it in flight and watch its deadline (None: no functionTimeout)."""
        self._gauge.inc()
        self._in_flight.enter()
        if self._timeout is None:
            return None
        task = asyncio.current_task()
        assert task is not None, "invocations run inside a task"
        watch = self._deadlines(task.get_loop())
        return watch, watch.register(self._timeout - (perf_counter() - started), task)

    def _deadlines(self, loop: asyncio.AbstractEventLoop) -> Deadlines:
        if self._watch is None or self._watch[0] is not loop:
            self._watch = (loop, deadlines(loop))
        return self._watch[1]

    def _collect(self, outs: Mapping[str, Out[Any]], result: Any) -> dict[str, Any]:
        outputs: dict[str, Any] = {name: out.get() for name, out in outs.items()} if outs else {}
        if result is None:
            return outputs
        if self._has_return:
            outputs["$return"] = result
        elif self._implicit_output:  # a generic binding: the host spreads a dict over the outputs, drops the rest
            problem = spread_returned(result, self._out_names, outputs)
            if problem is not None:
                raise self._failed(f"Function '{self.name}' {problem}. Fix: return None, or a str, bytes or dict")
        else:
            raise self._failed(
                f"Function '{self.name}' returned a value but has no '$return' output binding. Fix: return None, "
                "or declare an output binding for the return value"
            )
        return outputs

    def _failed(self, message: str) -> InvocationError:
        """An invocation failure found here, after the function ran: logged like a raised one, then raised."""
        self._function_log.error("%s", message)
        return InvocationError(message)

    def _check_http_output(self, outputs: Mapping[str, Any]) -> None:
        if self._http_output is None:
            return
        value = outputs.get(self._http_output)
        if value is not None or self._http_output == "$return":
            try:
                to_http_response(value)
            except HttpOutputError as exc:
                raise self._failed(
                    f"Function '{self.name}': {exc}, so the request failed with 500 (as on Azure), and its other "
                    "outputs were not sent. Fix: return func.HttpResponse(...) or a str from an HTTP function"
                ) from exc

    async def invoke_with_retries(
        self,
        make_inputs: Callable[[], Mapping[str, Any]],
        policy: RetryPolicy | None,
        binding_data: BindingDataSource | None = None,
    ) -> dict[str, Any]:
        """Apply the function's retry policy (timer, Kafka): retry after the policy's delay, then give up."""
        if policy is None:
            return await self.invoke(make_inputs(), binding_data=binding_data)
        attempt = 0
        max_count = policy.max_retry_count if policy else 0
        last_error: BaseException | None = None
        while True:
            try:
                retry = RetryContext(attempt, max_count, last_error)
                return await self.invoke(make_inputs(), retry_context=retry, binding_data=binding_data)
            except InvocationError as exc:
                last_error = exc.__cause__ or exc
                if policy is None or (policy.max_retry_count != -1 and attempt >= policy.max_retry_count):
                    raise
                attempt += 1
                delay = policy.delay_before(attempt)
                self._metrics.retries.labels(self.name).inc()
                logger.warning(
                    "Function '%s' failed; retry %d of %s in %.1f s (%s)",
                    self.name,
                    attempt,
                    "unlimited" if policy.max_retry_count == -1 else policy.max_retry_count,
                    delay,
                    policy.strategy,
                )
                await asyncio.sleep(delay)

    def _arguments(
        self, inputs: Mapping[str, Any], outs: Mapping[str, Out[Any]], invocation_id: str, retry: RetryContext
    ) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for name in self._params:
            if name in outs:
                args[name] = outs[name]
            elif name in inputs:
                args[name] = inputs[name]
            elif name == CONTEXT_PARAMETER and self._wants_context:
                trace = invocation_trace(getattr(inputs.get(self.spec.trigger.name), "headers", None))
                args[name] = InvocationContext(invocation_id, self.name, self._directory, retry, trace)
        return args

    async def _call_sync(self, args: Mapping[str, Any]) -> Any:
        call = functools.partial(contextvars.copy_context().run, self._callable, **args)
        # A sync function that overruns cannot be killed; its thread finishes on its own after we give up on it.
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)
