"""Parameters against bindings, Out[T] on outputs, `context`, and typed binding settings errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from funchost.errors import ConnectionSettingError, FunctionDefinitionError
from funchost.metadata.app_loader import load_app
from tests.support.apps import write_app

HEADER = "import azure.functions as func\napp = func.FunctionApp()\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "@app.route(route='a')\ndef f(req: func.HttpRequest, extra: str) -> func.HttpResponse: ...\n",
            "parameter 'extra' is declared in Python but not as a binding (bindings: req)",
        ),
        (
            "@app.route(route='a')\ndef f(request: func.HttpRequest) -> func.HttpResponse: ...\n",
            "binding 'req' (httpTrigger) has no parameter of that name",
        ),
        (
            "@app.route(route='a')\n"
            "@app.queue_output(arg_name='out', queue_name='out-q', connection='AzureWebJobsStorage')\n"
            "def f(req: func.HttpRequest, out: str) -> func.HttpResponse: ...\n",
            "parameter 'out' is an output binding (queue) but is not annotated func.Out[T]",
        ),
        (
            "@app.generic_trigger(arg_name='m', type='carrierPigeonTrigger')\ndef f(m: str) -> None: ...\n",
            "trigger type 'carrierPigeonTrigger' (binding 'm') is not supported by funchost. Fix: use one of: "
            "blobTrigger, httpTrigger, kafkaTrigger, queueTrigger, rabbitMQTrigger, serviceBusTrigger, timerTrigger",
        ),
    ],
    ids=["extra-param", "missing-param", "out-not-annotated", "unknown-trigger"],
)
def test_definition_errors_name_function_and_fix(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(FunctionDefinitionError) as info:
        load_app(
            write_app(tmp_path / "app", HEADER + body, settings={"AzureWebJobsStorage": "UseDevelopmentStorage=true"}),
            strict=True,
        )
    assert str(info.value).startswith("Function 'f': ") and message in str(info.value) and "Fix:" in str(info.value)


def test_context_parameter_and_out_binding_are_accepted(tmp_path: Path) -> None:
    body = (
        "@app.route(route='a')\n@app.queue_output(arg_name='out', queue_name='%QNAME%', connection='Store')\n"
        "def f(req: func.HttpRequest, out: func.Out[str], context: func.Context) -> func.HttpResponse: ...\n"
    )
    app = load_app(
        write_app(tmp_path / "ok", HEADER + body, settings={"Store": "UseDevelopmentStorage=true", "QNAME": "Orders"})
    )
    out = app.settings["f"]["out"]
    assert out.queue_name == "orders"  # %setting% resolved; queue names are lower-case


def test_missing_connection_setting_names_it_and_where_to_set_it(tmp_path: Path) -> None:
    body = (
        "@app.queue_trigger(arg_name='msg', queue_name='orders', connection='OrdersStorage')\n"
        "def f(msg: func.QueueMessage) -> None: ...\n"
    )
    with pytest.raises(ConnectionSettingError) as info:
        load_app(write_app(tmp_path / "noconn", HEADER + body, settings={}), strict=True)
    text = str(info.value)
    assert "Function 'f' binding 'msg' (queueTrigger) uses connection 'OrdersStorage'" in text
    assert "local.settings.json" in text
