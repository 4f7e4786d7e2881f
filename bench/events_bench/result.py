"""One consumer run's result: messages, the measured window, CPU, checks."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Result:
    broker: str
    variant: str  # "raw", "funchost", "faststream", "funchost-batch", "faststream-batch"
    label: str
    messages: int
    processed: int = 0
    window_messages: int = 0  # messages processed inside the window (consuming → N-th)
    window_s: float = 0.0
    cpu_s: float = 0.0  # consumer CPU (user + system, all threads) over the window
    wall_s: float = 0.0  # consumer process start → N-th message
    filled: str = ""  # how the queue / topic was filled
    broker_cpu_s: float = 0.0  # Service Bus: the stand-in broker's CPU from consumer start to the N-th message
    checks: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def rate(self) -> float:
        return self.window_messages / self.window_s if self.window_s > 0 else 0.0

    @property
    def cpu_us(self) -> float:
        return self.cpu_s / self.window_messages * 1e6 if self.window_messages else float("nan")

    @property
    def broker_cpu_us(self) -> float:
        return self.broker_cpu_s / self.window_messages * 1e6 if self.window_messages else float("nan")

    @property
    def cpu_share(self) -> float:
        """Share of one core the consumer used over the window: ~100 % means it was the bottleneck."""
        return self.cpu_s / self.window_s if self.window_s > 0 else float("nan")
