"""SIGTERM ends `funchost start` (a real subprocess) after the grace period even when the app left non-daemon
threads running — threads Python's own shutdown would wait for forever."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess, free_port, run_cli

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


def test_functions_list_exits_although_the_app_started_a_thread_at_import(tmp_path: Path) -> None:
    source = "import threading\n" + HEADER + HTTP_OK + "threading.Thread(target=threading.Event().wait).start()\n"
    result = run_cli(["functions", "list", "--json"], cwd=write_app(tmp_path / "app", source))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["functions"][0]["name"] == "ok"
    assert "Exiting although 1 thread(s) still run" in result.stderr


def test_the_guard_waits_for_the_main_thread_to_finish_and_keeps_its_exit_code() -> None:
    script = (
        "import threading, time\n"
        "from funchost.cli import exit_guard\n"
        "threading.Thread(target=threading.Event().wait, name='linger').start()\n"
        "exit_guard.arm(7, time.monotonic())\n"
        "time.sleep(exit_guard.MINIMUM_WAIT * 2)\n"  # past the deadline, but the main thread still runs
        "print('main finished', flush=True)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 7 and result.stdout == "main finished\n"
    assert "Exiting although 1 thread(s) still run: 'linger'" in result.stderr


def test_an_error_after_the_app_started_a_thread_still_exits_with_2(tmp_path: Path) -> None:
    source = (
        "import threading\n" + HEADER + "threading.Thread(target=threading.Event().wait).start()\n"
        "@app.queue_trigger(arg_name='msg', queue_name='Bad_Queue!', connection='AzureWebJobsStorage')\n"
        "def f(msg: func.QueueMessage) -> None: ...\n"
    )
    root = write_app(tmp_path / "app", source)
    env = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
    result = run_cli(["start", "--port", str(free_port())], cwd=root, env=env)
    assert result.returncode == 2, result.stderr
    assert "Function 'f': binding 'msg' property 'queueName' is 'bad_queue!'" in result.stderr
