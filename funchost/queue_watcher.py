"""The process-wide queue wake-up registry (`QUEUE_WATCHER`): an output that enqueued to a queue tells that queue's
listener to poll now (the Functions host's SharedQueueWatcher), so a quiet listener in its polling back-off reacts at
once. Runtime state of one host process, shared by the queue output and the queue trigger (sibling layers that may
not import each other), so it is a leaf module outside the layers and imports nothing of funchost.
"""

from __future__ import annotations

from collections.abc import Callable


class QueueWatcher:
    """Wake-up callbacks by queue URL (without a SAS query, case-insensitive)."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Callable[[], None]]] = {}

    def register(self, queue_url: str, wake: Callable[[], None]) -> None:
        self._listeners.setdefault(_key(queue_url), []).append(wake)

    def unregister(self, queue_url: str, wake: Callable[[], None]) -> None:
        wakes = self._listeners.get(_key(queue_url), [])
        if wake in wakes:
            wakes.remove(wake)

    def notify(self, queue_url: str) -> None:
        for wake in list(self._listeners.get(_key(queue_url), ())):
            wake()


def _key(queue_url: str) -> str:
    return queue_url.split("?", 1)[0].rstrip("/").lower()  # without a SAS query, case-insensitive


QUEUE_WATCHER = QueueWatcher()
