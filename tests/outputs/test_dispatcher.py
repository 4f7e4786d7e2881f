"""The output dispatcher: a failed output binding fails the invocation with one log line naming the function, the
binding and the fix — from an HTTP function too (it answers 500), for every output type.

Runs real `funchost start` subprocesses against the real RabbitMQ broker (used read-only: the queue is missing on
purpose) and against a port where no broker listens.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.outputs.hosted import failed_output_lines
from tests.support.apps import write_app
from tests.support.hostproc import free_port

pytestmark = pytest.mark.rabbitmq

APP = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="order")
@app.generic_output_binding(
    arg_name="out", type="rabbitMQ", queue_name="%OrdersQueue%", connection_string_setting="RabbitMQConnection"
)
def order(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
    out.set("one order")
    return func.HttpResponse("sent")
"""


@pytest.mark.parametrize("case", ["missing queue", "broker down"])
def test_a_rabbitmq_output_failure_in_an_http_function_is_logged_once_with_function_binding_and_fix(
    tmp_path: Path, rabbitmq: str, unique_name: str, case: str
) -> None:
    url = rabbitmq if case == "missing queue" else f"amqp://guest:TopSecret42@127.0.0.1:{free_port()}/"
    root = write_app(tmp_path / "app", APP, settings={"RabbitMQConnection": url, "OrdersQueue": unique_name})
    status, failures, output = failed_output_lines(root, "order", "'out' (rabbitMQ)")
    assert status == 500
    assert len(failures) == 1, output
    assert "Function 'order'" in failures[0] and "Fix:" in failures[0]
    assert unique_name in failures[0] and "RabbitMQConnection" in failures[0]
    assert "TopSecret42" not in output
