"""The process-wide queue wake-up registry (funchost/queue_watcher.py): pure bookkeeping, no storage needed."""

from __future__ import annotations

from funchost.queue_watcher import QueueWatcher


def test_a_notify_wakes_the_listeners_of_that_queue_only_matching_without_sas_and_case() -> None:
    watcher, woken = QueueWatcher(), []
    orders = lambda: woken.append("orders")  # noqa: E731
    watcher.register("http://127.0.0.1:10001/devstoreaccount1/orders", orders)
    watcher.register("http://127.0.0.1:10001/devstoreaccount1/other", lambda: woken.append("other"))
    watcher.notify("http://127.0.0.1:10001/DevStoreAccount1/Orders/?sv=2024&sig=secret")
    assert woken == ["orders"]
    watcher.unregister("http://127.0.0.1:10001/devstoreaccount1/orders", orders)
    watcher.unregister("http://127.0.0.1:10001/devstoreaccount1/orders", orders)  # twice: no error
    watcher.notify("http://127.0.0.1:10001/devstoreaccount1/orders")
    assert woken == ["orders"]
