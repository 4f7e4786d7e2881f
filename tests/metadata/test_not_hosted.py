"""The not-hosted registry: one line per function naming the binding and that funchost does not host it (Durable:
the whole orchestration model), checked before any setting is demanded; fix lists offer only hosted types, and the
registry agrees with the runtime's listener and sender tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from funchost.metadata.app_loader import load_app
from funchost.metadata.binding_settings import hosted_types
from funchost.metadata.not_hosted import NOT_HOSTED
from funchost.outputs import OUTPUTS
from funchost.triggers.base import LISTENERS
from tests.support.apps import write_app

HEADER = """
import azure.functions as func
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="ok")
def ok(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")
"""

CASES = {
    "cosmos": (
        '@app.cosmos_db_trigger(arg_name="docs", connection="Cosmos", database_name="d", container_name="c")\n'
        "def f(docs: func.DocumentList) -> None: ...\n",
        ["binding 'docs' (cosmosDBTrigger) is Azure Cosmos DB, which funchost does not host"],
    ),
    "event-hub": (
        '@app.event_hub_message_trigger(arg_name="e", event_hub_name="h", connection="Hub")\n'
        "def f(e: func.EventHubEvent) -> None: ...\n",
        ["(eventHubTrigger) is Azure Event Hubs", "Kafka endpoint"],
    ),
    "event-grid": (
        '@app.event_grid_trigger(arg_name="e")\ndef f(e: func.EventGridEvent) -> None: ...\n',
        ["(eventGridTrigger) is Azure Event Grid"],
    ),
    "sql": (
        '@app.sql_trigger(arg_name="rows", table_name="t", connection_string_setting="Sql")\n'
        "def f(rows: str) -> None: ...\n",
        ["(sqlTrigger) is Azure SQL"],
    ),
    "durable": (
        '@app.generic_trigger(arg_name="context", type="orchestrationTrigger")\ndef f(context) -> None: ...\n',
        ["(orchestrationTrigger) is Durable Functions", "orchestration model"],
    ),
    "table-output": (
        '@app.route(route="b")\n@app.table_output(arg_name="out", table_name="t", connection="Store")\n'
        "def f(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse: ...\n",
        [
            "binding 'out' (table) is Azure Table storage",
            "funchost hosts these output bindings: blob, http, kafka, queue, rabbitMQ, serviceBus)",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_line_names_the_binding_and_the_rest_runs(tmp_path: Path, case: str) -> None:
    body, expected = CASES[case]
    app = load_app(write_app(tmp_path, HEADER + body, settings={}), apply_settings=False)
    assert [f.spec.name for f in app.functions] == ["ok"]
    (error,) = app.errors
    assert error.name == "f" and "\n" not in error.message
    for text in expected:
        assert text in error.message, error.message
    assert "cosmosDBTrigger" not in error.fix and "NeverSet" not in error.message  # only hosted types are offered


def test_the_registry_agrees_with_the_runtime_tables() -> None:
    hosted_triggers = set(hosted_types(triggers=True)) - {"httpTrigger"}
    hosted_outputs = set(hosted_types(triggers=False)) - {"http"}
    assert hosted_triggers == set(LISTENERS), "a trigger type is parsed and hosted but has no listener (or back)"
    assert hosted_outputs == set(OUTPUTS), "an output type is parsed and hosted but has no sender (or back)"
    assert not {name for name in NOT_HOSTED if name in LISTENERS or name in OUTPUTS}, "hosted now: remove the row"
    assert list(NOT_HOSTED) == sorted(NOT_HOSTED, key=str.casefold)


def test_docs_list_every_type_that_is_not_hosted() -> None:
    text = (Path(__file__).parents[2] / "docs" / "compat.md").read_text(encoding="utf-8")
    section = text.split("## What funchost does not host", 1)[1]
    missing = [name for name in NOT_HOSTED if f"`{name}`" not in section]
    assert not missing, f"docs/compat.md 'What funchost does not host' lacks {missing}"


def test_an_unknown_input_binding_is_not_offered_output_types(tmp_path: Path) -> None:
    body = (
        '@app.route(route="x")\n@app.generic_input_binding(arg_name="doc", type="mongoDB")\n'
        "def f(req: func.HttpRequest, doc: str) -> func.HttpResponse: ...\n"
    )
    (error,) = load_app(write_app(tmp_path, HEADER + body, settings={}), apply_settings=False).errors
    assert "binding type 'mongoDB' (binding 'doc') is not supported by funchost" in error.cause
    assert error.fix.startswith("funchost hosts these input bindings: blob") and "kafka" not in error.fix
