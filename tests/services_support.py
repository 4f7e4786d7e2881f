"""Real brokers for tests: start them with the project's scripts/services/<name> and connect to them.

Each script installs its service under .services/ if missing, reuses an instance already answering on its
port, and exits 0 once the service is ready; ports follow the same environment variables as the scripts
(AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT, RABBITMQ_AMQP_PORT, RABBITMQ_MGMT_PORT, KAFKA_PORT).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = [
    "AZURITE_ACCOUNT_KEY",
    "AZURITE_ACCOUNT_NAME",
    "AZURITE_BLOB_PORT",
    "AZURITE_CONNECTION_STRING",
    "AZURITE_QUEUE_PORT",
    "KAFKA_BOOTSTRAP",
    "KAFKA_PORT",
    "RABBITMQ_AMQP_PORT",
    "RABBITMQ_MGMT_PORT",
    "RABBITMQ_URL",
    "SERVICES",
    "azurite_connection_string",
    "ensure_service",
]

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts" / "services"
SERVICES = ("azurite", "rabbitmq", "kafka")
START_TIMEOUT = 600.0  # seconds; a first start installs the service (npm, apt-get or pip)

# The well-known development account every Azurite accepts (published in Azure's documentation).
AZURITE_ACCOUNT_NAME = "devstoreaccount1"
AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def _port(variable: str, default: int) -> int:
    return int(os.environ.get(variable) or default)


def azurite_connection_string(blob_port: int = 10000, queue_port: int = 10001) -> str:
    """An explicit connection string for Azurite's blob and queue services on 127.0.0.1."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT_NAME};AccountKey={AZURITE_ACCOUNT_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{blob_port}/{AZURITE_ACCOUNT_NAME};"
        f"QueueEndpoint=http://127.0.0.1:{queue_port}/{AZURITE_ACCOUNT_NAME};"
    )


AZURITE_BLOB_PORT = _port("AZURITE_BLOB_PORT", 10000)
AZURITE_QUEUE_PORT = _port("AZURITE_QUEUE_PORT", 10001)
AZURITE_CONNECTION_STRING = azurite_connection_string(AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT)
RABBITMQ_AMQP_PORT = _port("RABBITMQ_AMQP_PORT", 5672)
RABBITMQ_MGMT_PORT = _port("RABBITMQ_MGMT_PORT", 15672)
RABBITMQ_URL = f"amqp://guest:guest@127.0.0.1:{RABBITMQ_AMQP_PORT}/"
KAFKA_PORT = _port("KAFKA_PORT", 19092)
KAFKA_BOOTSTRAP = f"127.0.0.1:{KAFKA_PORT}"


def ensure_service(name: str) -> None:
    """Start ``name`` (azurite, rabbitmq or kafka) unless it already runs; RuntimeError with its output if not."""
    if name not in SERVICES:
        raise ValueError(f"unknown service {name!r}; known: {', '.join(SERVICES)}")
    script = SCRIPTS / name
    try:
        completed = subprocess.run(
            ["bash", str(script), "start"],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(
            f"{script} start did not finish within {START_TIMEOUT:.0f}s; see {ROOT}/.services/{name}/log"
        ) from exc
    if completed.returncode != 0:
        output = "\n".join(part.strip() for part in (completed.stdout, completed.stderr) if part.strip())
        raise RuntimeError(
            f"could not start {name}: {script} start exited with {completed.returncode}\n{output}\n"
            f"(full log: {ROOT}/.services/{name}/log)"
        )
