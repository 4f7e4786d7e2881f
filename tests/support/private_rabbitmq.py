"""A private RabbitMQ node for tests that stop, restart or break the broker: never the shared one.

It runs through scripts/services/rabbitmq (the same start code path as the shared broker) with its own node name
(`funchost-test-<hex>@localhost`), free AMQP / management / Erlang-distribution ports and its own data dir under
/var/lib/rabbitmq (user rabbitmq must reach it; a pytest tmp_path is private to root). `stop` stops only this node
(its pid file); epmd on 4369 is shared by every node on the machine, which is fine because the names differ.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

from tests.support.ports import free_port

__all__ = ["PrivateRabbitMQ"]

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "services" / "rabbitmq"
DATA_ROOT = Path("/var/lib/rabbitmq")
# The CLI tools' own distribution ports are RABBITMQ_DIST_PORT + 10000..10010: keep them under 65536.
HIGHEST_DIST_PORT = 55000


class PrivateRabbitMQ:
    """`start()` / `stop()` / `restart()` one private node; `close()` stops it and removes its data dir."""

    def __init__(self) -> None:
        self.name = f"funchost-test-{uuid.uuid4().hex[:12]}"
        self.node = f"{self.name}@localhost"
        self.amqp_port = free_port()
        self.management_port = free_port()
        self.dist_port = free_port(below=HIGHEST_DIST_PORT)
        self.data_dir = DATA_ROOT / self.name
        self.url = f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"
        self.management_url = f"http://guest:guest@127.0.0.1:{self.management_port}/"

    def _script(self, action: str, timeout: float = 120) -> None:
        env = {
            **os.environ,
            "RABBITMQ_NODE": self.node,
            "RABBITMQ_AMQP_PORT": str(self.amqp_port),
            "RABBITMQ_MGMT_PORT": str(self.management_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_DATA_DIR": str(self.data_dir),
        }
        done = subprocess.run(
            ["bash", str(SCRIPT), action], env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            output = done.stdout + done.stderr
            raise RuntimeError(f"{SCRIPT} {action} for {self.node} exited {done.returncode}:\n{output}")

    def start(self) -> PrivateRabbitMQ:
        """Start the node (data kept from an earlier start on the same dir) and wait until AMQP answers."""
        self._script("start")
        return self

    def stop(self) -> None:
        """Stop this node only (rabbitmqctl stop on its pid file); its data dir stays for a restart."""
        self._script("stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> PrivateRabbitMQ:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
