"""SIGTERM ends `funchost start` (a real subprocess) after the grace period even when the app left non-daemon
threads running — threads Python's own shutdown would wait for forever."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import httpx

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess

HEADER = "import azure.functions as func\napp = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)\n"
HTTP_OK = (
    "@app.route(route='ok')\ndef ok(req: func.HttpRequest) -> func.HttpResponse:\n    return func.HttpResponse('ok')\n"
)


def test_a_non_daemon_thread_started_at_import_does_not_keep_the_host_alive(tmp_path: Path) -> None:
    source = (
        "import threading\n" + HEADER + HTTP_OK + "threading.Thread(target=threading.Event().wait, name='app-poller')"
        ".start()\n"
    )
    root = write_app(tmp_path / "app", source)
    with HostProcess(root, args=["--grace-period", "1"]) as host:
        host.wait_ready()
        assert httpx.get(f"{host.base_url}/api/ok").text == "ok"
        assert host.terminate(signal.SIGTERM, timeout=60) == 0
        output = host.output()
    assert "Exiting although 1 thread(s) still run: 'app-poller'" in output
    assert "daemon=True" in output and "Traceback" not in output


def test_a_sync_function_still_running_after_the_grace_period_does_not_keep_the_host_alive(tmp_path: Path) -> None:
    source = HEADER + (
        "import threading\nSTUCK = threading.Event()\n"
        "@app.route(route='stuck')\ndef stuck(req: func.HttpRequest) -> func.HttpResponse:\n"
        "    STUCK.wait()\n    return func.HttpResponse('never')\n"
    )
    root = write_app(tmp_path / "app", source)
    with HostProcess(root, args=["--grace-period", "1"]) as host:
        host.wait_ready()
        started = threading.Event()

        def call() -> None:
            started.set()
            try:
                httpx.get(f"{host.base_url}/api/stuck", timeout=60)
            except httpx.HTTPError:
                pass  # the host goes away without answering

        caller = threading.Thread(target=call, daemon=True)
        caller.start()
        started.wait()
        host.wait_metric("funchost_invocations_in_flight", 1, function="stuck")
        assert host.terminate(signal.SIGTERM, timeout=60) == 0
        output = host.output()
    assert "still running after the grace period" in output
    assert "Exiting although 1 thread(s) still run: 'funchost-sync" in output
