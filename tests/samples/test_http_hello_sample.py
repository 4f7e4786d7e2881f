"""samples/http-hello through `funchost start` as a subprocess, over real HTTP: the Core Tools HTTP template,
typed routes, function keys (env), ops endpoints, graceful SIGTERM, and keys never printed."""

from __future__ import annotations

import signal
import threading

import httpx

from tests.support.hostproc import SAMPLES, HostProcess

MASTER = "master-key-for-tests-0123456789"
REPORT_KEY = "report-key-for-tests-0123456789"


def test_http_hello_sample_end_to_end() -> None:
    env = {"FUNCHOST_MASTER_KEY": MASTER, "FUNCHOST_FUNCTION_KEY_REPORT": REPORT_KEY}
    with HostProcess(SAMPLES / "http-hello", env=env) as host:
        host.wait_ready()
        base = f"{host.base_url}/api"
        assert httpx.get(f"{base}/hello", params={"name": "Ada"}).text.startswith("Hello, Ada.")
        assert httpx.post(f"{base}/hello", json={"name": "Bob"}).text.startswith("Hello, Bob.")
        assert "Pass a name" in httpx.get(f"{base}/hello").text
        assert httpx.get(f"{base}/orders/4").json() == {"id": 4, "status": "shipped"}
        assert httpx.get(f"{base}/orders/four").status_code == 404  # {order_id:int} constraint
        assert httpx.delete(f"{base}/orders/4").status_code == 405
        assert httpx.get(f"{base}/reports/daily").status_code == 401
        report = httpx.get(f"{base}/reports/daily", headers={"x-functions-key": REPORT_KEY})
        assert report.status_code == 200 and report.json()["function"] == "report"
        assert httpx.get(f"{base}/reports/daily", params={"code": "wrong"}).status_code == 401
        assert httpx.get(f"{base}/reports/daily", params={"code": MASTER}).status_code == 200
        status = httpx.get(f"{host.base_url}/admin/host/status", headers={"x-functions-key": MASTER})
        assert status.status_code == 200 and status.json()["state"] == "Running"
        assert httpx.get(f"{host.base_url}/admin/host/status").status_code == 401
        assert httpx.get(f"{host.base_url}/healthz").status_code == 200
        metrics = httpx.get(f"{host.base_url}/metrics").text
        assert 'funchost_invocations_total{function="hello",outcome="success"} 3.0' in metrics
        assert host.terminate(signal.SIGTERM) == 0
        output = host.output()
    assert "hello: [GET,POST] http://127.0.0.1:" in output and "/api/hello" in output
    assert MASTER not in output and REPORT_KEY not in output


def test_sigterm_lets_in_flight_requests_finish() -> None:
    with HostProcess(SAMPLES / "http-hello", args=["--grace-period", "20"]) as host:
        host.wait_ready()
        result: dict[str, httpx.Response] = {}

        def slow_call() -> None:
            result["r"] = httpx.get(f"{host.base_url}/api/slow", params={"seconds": "2"}, timeout=30)

        caller = threading.Thread(target=slow_call)
        caller.start()
        host.wait_metric("funchost_invocations_in_flight", 1, function="slow")
        host.proc.send_signal(signal.SIGTERM)
        caller.join(30)
        assert host.wait_exit(30) == 0
    assert result["r"].status_code == 200 and result["r"].text == "slept 2"
