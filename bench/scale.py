"""Scale-controller benchmark: `funchost up` measured against KEDA's default timing model, in one run.

The parts live in bench/scale_bench/ (one module each); the full description is in bench/scale_bench/cli.py.

Run: `.venv/bin/python bench/scale.py [--trials 20] [--messages 5000] [--max-replicas 4] [--json out.json]`.
"""

from __future__ import annotations

import os
import sys

# bench/ holds http.py: this file's folder must not stay on sys.path, or it would shadow the standard `http` package;
# the repository root goes there instead, so the benchmark's own packages import as `bench.…`.
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

from bench.scale_bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
