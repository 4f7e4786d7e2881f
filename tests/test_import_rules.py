"""Which modules may import the Azure Storage and Service Bus SDKs. import-linter cannot express these rules: grimp
squashes every external package to its top-level name, and `azure` is one namespace for azure.core,
azure.functions, azure.storage and azure.servicebus. So the imports are read from the source here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "azure.storage": {
        "funchost.brokers.azure_storage",
        "funchost.outputs.queue",
        "funchost.triggers.blob.executor",
        "funchost.triggers.blob.poison",
        "funchost.triggers.blob.receipts",
        "funchost.triggers.blob.scanner",
        "funchost.triggers.blob.shared_queue",
        "funchost.triggers.queue.lease",
        "funchost.triggers.queue.listener",
        "funchost.triggers.queue.processor",
        "funchost.triggers.queue.reader",
        "funchost.triggers.timer.listener",
        "funchost.triggers.timer.schedule_monitor",
        "funchost.triggers.timer.singleton",
        "scale_controller.scalers.azure_blob",
    },
    "azure.servicebus": {
        "funchost.brokers.servicebus",
        "funchost.outputs.servicebus",
        "funchost.outputs.servicebus_messages",
        "funchost.triggers.servicebus.delivery",
        "funchost.triggers.servicebus.listener",
        "funchost.triggers.servicebus.locks",
        "funchost.triggers.servicebus.receiving",
        "funchost.triggers.servicebus.settlement",
        "scale_controller.scalers.servicebus",
    },
}


def importers(sdk: str) -> set[str]:
    found = set()
    for package in ("funchost", "scale_controller"):
        for path in (ROOT / package).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                if any(name == sdk or name.startswith(sdk + ".") for name in names):
                    found.add(module)
    return found


@pytest.mark.parametrize("sdk", sorted(ALLOWED))
def test_only_the_listed_modules_import_the_sdk(sdk: str) -> None:
    assert importers(sdk) == ALLOWED[sdk]
