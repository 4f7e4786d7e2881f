"""The README's first example works as written: its code, `funchost start` in that folder, and its curl command,
run by a real shell with funchost's environment first on PATH (as the README tells the reader to set up).

Only the port is changed (a free one instead of 7071, which another process may hold).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.hostproc import HostProcess

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DEFAULT_PORT = "7071"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README, flags=re.DOTALL)


def test_the_first_example_answers_as_the_readme_says(tmp_path: Path) -> None:
    code = _blocks("python")[0]
    start, call = _blocks("console")[:2]
    assert start.startswith("$ funchost start\n")
    command, expected = call.splitlines()[0], call.splitlines()[1]
    assert command.startswith("$ curl ")
    (tmp_path / "function_app.py").write_text(code, encoding="utf-8")

    with HostProcess(tmp_path) as host:
        host.wait_ready()
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        shell = command.removeprefix("$ ").replace(f":{DEFAULT_PORT}/", f":{host.port}/")
        done = subprocess.run(["bash", "-c", shell], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        banner = host.output()

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
    # The README's banner is what `funchost start` prints (on a terminal the URL also carries the key).
    readme_keys = next(line for line in start.splitlines() if line.startswith("Keys: "))
    real_keys = next(line for line in banner.splitlines() if line.startswith("Keys: "))
    assert real_keys.split(". ", 1)[1] == readme_keys.split(". ", 1)[1]
    readme_url = next(line for line in start.splitlines() if "hello: [" in line).split("?code=")[0]
    assert readme_url.replace(f":{DEFAULT_PORT}/", f":{host.port}/") in banner
    # Its log lines, less the time stamps, paths, process and instance ids.
    for line in start.splitlines():
        if re.match(r"\d{4}-\d\d-\d\d ", line):
            message = re.split(r" /| \[|, instance ", line.split(" ", 2)[2])[0]
            assert message in banner, message
