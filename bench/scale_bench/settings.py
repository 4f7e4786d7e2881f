"""What the scale benchmark runs on and aims at: the app, the plot's path, KEDA's polling default, the targets."""

from __future__ import annotations

from bench.common.procs import ROOT

APP = ROOT / "bench" / "apps" / "scale_queue"
PLOT = ROOT / "docs" / "scaling-timeline.png"
KEDA_POLLING_INTERVAL = 30.0  # reference/keda.md §1.1: pollingInterval default (withtriggers_types.go:51)
TARGET_ACTIVATION_P50 = 1.0
TARGET_DRAIN_RATIO = 1.2
TARGET_LAG = 0.100
