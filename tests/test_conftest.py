"""What tests/conftest.py promises, each shown by a sub-run of pytest (a subprocess with tests/conftest.py as its
plugin, pointed at private services through the port variables): a reused service that went away fails the next
module at once naming its port; a reused RabbitMQ without the management API is replaced by a private node; an SDK
client a failing test leaves open is reported on that test, not on an unrelated later one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.hostproc import REPO
from tests.support.ports import free_port, listening
from tests.support.private_azurite import PrivateAzurite
from tests.support.private_rabbitmq import PrivateRabbitMQ

FIRST = """
import os, signal
from tests.support.ports import listening

def test_uses_then_loses_storage(azurite):
    for pid in os.environ["KILL_PIDS"].split(","):
        os.kill(int(pid), signal.SIGKILL)
    port = int(os.environ["AZURITE_QUEUE_PORT"])
    while listening(port):
        pass
"""

SECOND = """
from azure.storage.queue import QueueServiceClient

def test_one(azurite):
    QueueServiceClient.from_connection_string(azurite).get_service_properties()

def test_two(azurite):
    QueueServiceClient.from_connection_string(azurite).get_service_properties()
"""


@pytest.mark.azurite
def test_a_reused_azurite_that_went_away_fails_the_next_module_fast_naming_the_port(
    azurite: str, tmp_path: Path
) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    (tmp_path / "test_a_first.py").write_text(FIRST)
    (tmp_path / "test_b_second.py").write_text(SECOND)
    with PrivateAzurite(tmp_path / "storage") as storage:
        env = {f"AZURITE_{kind.upper()}_PORT": str(port) for kind, port in storage.ports.items()}
        env |= {"KILL_PIDS": ",".join(map(str, storage.pids))}
        output = _sub_run(tmp_path, ["test_a_first.py", "test_b_second.py"], "-o", "timeout=60", env=env)
    assert "1 passed, 2 errors" in output, output
    blob = storage.ports["blob"]
    assert output.count(f"ServiceGone: the service on port {blob} went away") == 2, "each test of the module"
    assert "scripts/services/azurite start" in output
    assert "Retry" not in output and "ServiceRequestError" not in output, "no test reached the SDK's retries"


MANAGEMENT_CHECK = """
import os
from tests.support.liveness import management_api_answers

def test_gets_a_broker_with_the_management_api(rabbitmq, rabbitmq_management):
    port = int(rabbitmq_management.rsplit(":", 1)[1].rstrip("/"))
    assert f":{os.environ['RABBITMQ_AMQP_PORT']}/" not in rabbitmq, "not the broker without the management API"
    assert management_api_answers(port)
    print("PRIVATE-NODE", rabbitmq)
"""


@pytest.mark.rabbitmq
def test_a_reused_rabbitmq_without_the_management_api_is_replaced_by_a_private_node(tmp_path: Path) -> None:
    """The sub-run reuses a private node but is told its management API is on a closed port: the conftest must
    start a node of its own (with the API) and give the tests that one."""
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    (tmp_path / "test_management.py").write_text(MANAGEMENT_CHECK)
    with PrivateRabbitMQ() as without_management:
        env = {"RABBITMQ_AMQP_PORT": str(without_management.amqp_port), "RABBITMQ_MGMT_PORT": str(free_port())}
        output = _sub_run(tmp_path, ["test_management.py"], "-s", env=env)
    assert "1 passed" in output and "PRIVATE-NODE amqp://guest:guest@127.0.0.1:" in output, output
    port = int(output.split("PRIVATE-NODE amqp://guest:guest@127.0.0.1:")[1].split("/")[0])
    assert not listening(port), "the sub-run stops the node it started"


LEAK = """
import pytest
from azure.storage.queue.aio import QueueServiceClient

async def test_a_leaks_on_failure(azurite):
    client = QueueServiceClient.from_connection_string(azurite)
    await client.get_service_properties()
    assert False, "fails without closing its client"

@pytest.mark.parametrize("i", range(3))
def test_b_unrelated(i):
    import gc
    gc.collect()
"""


@pytest.mark.azurite
def test_an_sdk_client_a_failing_test_leaves_open_is_reported_on_that_test(azurite: str, tmp_path: Path) -> None:
    ini = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"
    (tmp_path / "pytest.ini").write_text(ini)
    (tmp_path / "test_leak.py").write_text(LEAK)
    output = _sub_run(tmp_path, ["test_leak.py"])
    assert "1 failed, 3 passed, 1 error" in output, output
    assert "ERROR at teardown of test_a_leaks_on_failure" in output and "Unclosed client session" in output


def _sub_run(tmp_path: Path, files: list[str], *options: str, env: dict[str, str] | None = None) -> str:
    """The sub-run: pytest with tests/conftest.py as its plugin and tmp_path's pytest.ini, on those test files of
    tmp_path, with those extra options, in `_child_env()` plus `env`. Returns what it printed (stdout, then stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "-q", *options]
        + ["-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path)]
        + [str(tmp_path / name) for name in files],
        cwd=REPO,
        env=_child_env() | {"PYTHONPATH": str(REPO)} | (env or {}),
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    return done.stdout + done.stderr


def _child_env() -> dict[str, str]:
    """The environment of a nested pytest run, without the outer run's PYTEST_* and without CI / BUILD_NUMBER:
    under CI pytest prints its short summary untruncated, which would change what these tests count."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k not in ("CI", "BUILD_NUMBER")}
