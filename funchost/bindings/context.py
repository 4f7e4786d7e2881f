"""Concrete `azure.functions` Context, RetryContext, TraceContext and Out — the library ships only ABCs."""

from __future__ import annotations

import threading
import traceback
from typing import Any, Generic, TypeVar, cast

import azure.functions as func
from azure.functions import _abc

T = TypeVar("T")


class Out(func.Out[T], Generic[T]):
    """A value holder for an output binding: the function calls `.set()`, the host reads `.get()`."""

    def __init__(self) -> None:
        self._value: T | None = None

    def set(self, val: T) -> None:
        self._value = val

    def get(self) -> T:
        return cast(T, self._value)  # None until the function sets it


class RpcException(_abc.RpcException):
    def __init__(self, exc: BaseException) -> None:
        self._exc = exc

    @property
    def source(self) -> str:
        return type(self._exc).__module__

    @property
    def stack_trace(self) -> str:
        return "".join(traceback.format_exception(self._exc))

    @property
    def message(self) -> str:
        return str(self._exc)


class RetryContext(_abc.RetryContext):
    """`context.retry_context`: which retry this is (0 = first try), the limit, and the last failure."""

    def __init__(self, retry_count: int, max_retry_count: int, exception: BaseException | None) -> None:
        self._retry_count = retry_count
        self._max_retry_count = max_retry_count
        self._exception = RpcException(exception) if exception is not None else None

    @property
    def retry_count(self) -> int:
        return self._retry_count

    @property
    def max_retry_count(self) -> int:
        return self._max_retry_count

    @property
    def exception(self) -> Any:
        return self._exception


class TraceContext(_abc.TraceContext):
    def __init__(self, trace_parent: str = "", trace_state: str = "") -> None:
        self._trace_parent = trace_parent
        self._trace_state = trace_state

    @property
    def trace_parent(self) -> str:
        return self._trace_parent

    @property
    def trace_state(self) -> str:
        return self._trace_state

    @property
    def attributes(self) -> dict[str, str]:
        return {}

    # The worker's older spellings, still read by apps written against it (its e2e `return_context` among them).
    @property
    def Traceparent(self) -> str:
        return self._trace_parent

    @property
    def Tracestate(self) -> str:
        return self._trace_state

    @property
    def Attributes(self) -> dict[str, str]:
        return {}


class InvocationContext(_abc.Context):
    """The `context` argument: invocation id, function name and directory, trace and retry context."""

    def __init__(
        self,
        invocation_id: str,
        function_name: str,
        function_directory: str,
        retry_context: RetryContext,
        trace_context: TraceContext | None = None,
    ) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory
        self._retry_context = retry_context
        self._trace_context = trace_context or TraceContext()
        self._thread_local_storage = threading.local()
        self._thread_local_storage.invocation_id = invocation_id

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def thread_local_storage(self) -> threading.local:  # type: ignore[override]  # the ABC mis-annotates it
        return self._thread_local_storage

    @property
    def trace_context(self) -> TraceContext:
        return self._trace_context

    @property
    def retry_context(self) -> RetryContext:
        return self._retry_context
