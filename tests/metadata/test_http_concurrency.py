"""host.json `extensions.http` throttles (funchost/metadata/http_concurrency.py): Azure's -1 = unbounded, the
per-worker scale target, and bad values named by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from funchost.errors import HostJsonError
from funchost.metadata.host_config import load_host_config
from funchost.metadata.http_concurrency import DEFAULT_HTTP_TARGET, HttpConcurrency, http_concurrency


def config(tmp_path: Path, http: str) -> HttpConcurrency:
    (tmp_path / "host.json").write_text('{"version": "2.0", "extensions": {"http": ' + http + "}}")
    return http_concurrency(load_host_config(tmp_path, env={}))


def test_unset_is_unbounded_and_the_target_is_azures_default(tmp_path: Path) -> None:
    assert config(tmp_path, "{}") == HttpConcurrency(None, None)
    assert HttpConcurrency().scale_target == DEFAULT_HTTP_TARGET == 16


def test_minus_one_is_unbounded_as_in_azure(tmp_path: Path) -> None:
    assert config(tmp_path, '{"maxConcurrentRequests": -1, "MaxOutstandingRequests": "-1"}') == HttpConcurrency()


def test_the_configured_concurrency_is_the_scale_target(tmp_path: Path) -> None:
    limits = config(tmp_path, '{"maxConcurrentRequests": 40, "maxOutstandingRequests": "200"}')
    assert limits == HttpConcurrency(40, 200) and limits.scale_target == 40


# (a list is refused earlier, by host.json's shape)
@pytest.mark.parametrize("value", ["0", "-2", "2.5", '"many"', "true"])
def test_a_bad_value_names_the_key_and_the_fix(tmp_path: Path, value: str) -> None:
    with pytest.raises(HostJsonError, match=r"host.json: extensions.http.maxConcurrentRequests is .*Fix:"):
        config(tmp_path, '{"maxConcurrentRequests": ' + value + "}")


def scaled(tmp_path: Path, scale: str, http: str = "{}", env: dict[str, str] | None = None) -> HttpConcurrency:
    host = '{"version": "2.0", "scale": ' + scale + ', "extensions": {"http": ' + http + "}}"
    (tmp_path / "host.json").write_text(host)
    return http_concurrency(load_host_config(tmp_path, env=env or {}))


def test_scale_http_target_is_the_apps_own_and_wins_over_the_concurrency(tmp_path: Path) -> None:
    limits = scaled(tmp_path, '{"http": {"target": 50}}', '{"maxConcurrentRequests": 8}')
    assert (limits.scale_target, limits.max_concurrent_requests) == (50, 8)  # the throttle stays 8
    assert limits.target_source == "host.json scale.http.target"
    assert scaled(tmp_path, '{"HTTP": {"Target": "12"}}').scale_target == 12  # keys are case-insensitive
    assert config(tmp_path, '{"maxConcurrentRequests": 8}').target_source.endswith("maxConcurrentRequests")
    assert HttpConcurrency().target_source == "default"


def test_scale_http_target_has_the_environment_override_of_every_host_json_key(tmp_path: Path) -> None:
    env = {"AzureFunctionsJobHost__scale__http__target": "30"}
    assert scaled(tmp_path, "{}", env=env).scale_target == 30


@pytest.mark.parametrize(
    ("scale", "problem"),
    [
        ('{"http": {"target": 0}}', "scale.http.target is 0; expected a whole number >= 1"),
        ('{"http": {"target": 2.5}}', "scale.http.target is 2.5"),
        ('{"http": {"target": 4, "activationThreshold": 1}}', "scale.http has unknown keys ['activationThreshold']"),
    ],
)
def test_a_bad_scale_http_names_the_key(tmp_path: Path, scale: str, problem: str) -> None:
    with pytest.raises(HostJsonError, match="host.json: ") as caught:
        scaled(tmp_path, scale)
    assert problem in str(caught.value)
