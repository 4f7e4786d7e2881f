"""Building the `azure.functions.TimerRequest` a timer function receives (same JSON shape as the Functions host)."""

from __future__ import annotations

from datetime import datetime

from azure.functions.timer import TimerRequest


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def timer_request(
    *, past_due: bool, last: datetime | None, next_: datetime | None, last_updated: datetime | None
) -> TimerRequest:
    return TimerRequest(
        past_due=past_due,
        schedule_status={"Last": iso(last), "Next": iso(next_), "LastUpdated": iso(last_updated)},
        schedule={"AdjustForDST": True},
    )
