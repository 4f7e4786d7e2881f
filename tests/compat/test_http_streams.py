"""An HTTP-streams app written for Azure (tests/compat/apps/http_streams) through a real `funchost start`.

Real parts: the host subprocess, uvicorn, real sockets, an httpx client and Azurite for the queue output. Memory is
read from the host's /proc/<pid>/status, so the bounds are on the process that served the requests; they are memory
bounds, not timings.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from azure.storage.queue import QueueClient

from tests.support.hostproc import HostProcess

APP = Path(__file__).parent / "apps" / "http_streams"
MiB = 1024 * 1024
UPLOAD_CHUNKS = 100  # 100 MiB, sent chunked (no Content-Length)
GROWTH_BOUND = 30 * MiB  # far less than the 100 MiB that buffering either body would add

pytestmark = pytest.mark.azurite


def copy_app(root: Path, *, max_body: int | None = None) -> Path:
    shutil.copytree(APP, root, dirs_exist_ok=True)
    if max_body is not None:
        doc = {"version": "2.0", "extensions": {"http": {"maxRequestBodySize": max_body}}}
        (root / "host.json").write_text(json.dumps(doc), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def queue_name() -> str:
    return f"streams-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, azurite: str, queue_name: str) -> Iterator[HostProcess]:
    root = copy_app(tmp_path_factory.mktemp("http_streams"))
    with HostProcess(root, env={"QueueStorage": azurite, "STREAM_QUEUE": queue_name}) as process:
        process.wait_ready()
        yield process


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def chunks(count: int, size: int = MiB) -> Iterator[bytes]:
    for number in range(count):
        yield bytes([number % 251]) * size


def test_the_docs_sample_streams_its_count(host: HostProcess) -> None:
    response = httpx.get(f"{host.base_url}/api/stream")
    assert response.status_code == 200, host.output()
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text == "".join(f"counting, {n}\n\n" for n in range(10))


def test_a_100_mib_upload_streams_through_with_bounded_memory(host: HostProcess) -> None:
    warm = httpx.post(f"{host.base_url}/api/upload", content=chunks(2))  # imports and buffers warmed up
    assert warm.json()["bytes"] == 2 * MiB
    before = memory_kib(host.proc.pid, "VmHWM") * 1024
    response = httpx.post(f"{host.base_url}/api/upload", content=chunks(UPLOAD_CHUNKS), timeout=120)
    grown = memory_kib(host.proc.pid, "VmHWM") * 1024 - before
    assert response.status_code == 200, host.output()
    expected = hashlib.sha256()
    for chunk in chunks(UPLOAD_CHUNKS):
        expected.update(chunk)
    body = response.json()
    assert body["bytes"] == UPLOAD_CHUNKS * MiB and body["sha256"] == expected.hexdigest()
    assert body["chunks"] > UPLOAD_CHUNKS  # the function saw the body as it arrived, in the server's pieces
    assert grown < GROWTH_BOUND, f"the host's peak RSS grew by {grown / MiB:.1f} MiB for a 100 MiB upload"


def test_server_sent_events_reach_the_client_before_the_last_is_produced(host: HostProcess) -> None:
    token, count = uuid.uuid4().hex, 50_000  # about 50 MiB of events
    before = memory_kib(host.proc.pid, "VmHWM") * 1024
    ids: list[int] = []
    with httpx.stream("GET", f"{host.base_url}/api/events/{token}", params={"count": count}, timeout=60) as stream:
        assert stream.status_code == 200, host.output()
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert "content-length" not in stream.headers
        for line in stream.iter_lines():
            if line.startswith("id: "):
                ids.append(int(line[4:]))
            elif line == f"data: first of {count}":
                # The function waits for this before it produces any other event: the stream can only finish if
                # event 0 reached us while the function was still producing.
                assert ids == [0]
                assert httpx.post(f"{host.base_url}/api/ack/{token}").json() == {"acked": token}
    grown = memory_kib(host.proc.pid, "VmHWM") * 1024 - before
    assert ids == list(range(count))
    assert grown < GROWTH_BOUND, f"the host's peak RSS grew by {grown / MiB:.1f} MiB for ~50 MiB of events"


def test_a_client_leaving_an_event_stream_stops_it_quietly(host: HostProcess) -> None:
    token = uuid.uuid4().hex
    with httpx.stream("GET", f"{host.base_url}/api/events/{token}", params={"count": 10}, timeout=30) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: first"):
                break  # leave while the function waits for an ack that never comes
    deadline = time.monotonic() + 30
    while not httpx.get(f"{host.base_url}/api/closed/{token}").json()["closed"]:
        assert time.monotonic() < deadline, f"the event stream was not stopped after the client left:\n{host.output()}"
        time.sleep(0.05)
    assert "failed while it was being sent" not in host.output()


def test_an_unannotated_sync_function_gets_the_request_and_its_dict_is_json(host: HostProcess) -> None:
    response = httpx.get(f"{host.base_url}/api/items/7", params={"q": "x"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"item": "7", "q": "x", "method": "GET"}
    assert httpx.get(f"{host.base_url}/api/items/seven").status_code == 404  # the route constraint still applies


def test_a_failing_function_answers_500_and_is_logged(host: HostProcess) -> None:
    response = httpx.get(f"{host.base_url}/api/fails")
    assert response.status_code == 500 and response.text == "Internal Server Error"
    assert "RuntimeError: boom" in host.output()


def test_a_queue_output_beside_a_streamed_response(host: HostProcess, azurite: str, queue_name: str) -> None:
    response = httpx.post(f"{host.base_url}/api/enqueue", content=b"hello queue")
    assert response.status_code == 200 and response.text == "queued 11 characters", host.output()
    client = QueueClient.from_connection_string(azurite, queue_name)
    try:
        messages = client.peek_messages(max_messages=5)
        assert [base64.b64decode(m.content) for m in messages] == [b"hello queue"]  # Azure's default encoding
    finally:
        client.delete_queue()
        client.close()


def test_the_body_limit_applies_to_streamed_uploads(tmp_path: Path, azurite: str) -> None:
    root = copy_app(tmp_path / "app", max_body=4 * MiB)
    with HostProcess(root, env={"QueueStorage": azurite, "STREAM_QUEUE": "unused"}) as host:
        host.wait_ready()
        chunked = httpx.post(f"{host.base_url}/api/upload", content=chunks(8), timeout=60)
        assert chunked.status_code == 413 and chunked.text == "Request body too large"
        declared = httpx.post(
            f"{host.base_url}/api/upload", content=chunks(8), headers={"content-length": str(8 * MiB)}, timeout=60
        )
        assert declared.status_code == 413
        at_limit = httpx.post(f"{host.base_url}/api/upload", content=chunks(4), timeout=60)
        assert at_limit.status_code == 200 and at_limit.json()["bytes"] == 4 * MiB
        assert host.metric("funchost_invocations_total", function="upload", outcome="failure") == 1  # the cut one
