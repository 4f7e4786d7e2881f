"""timer: a heartbeat every 5 seconds (NCRONTAB with seconds), retried on failure, recorded to a file if asked.

Run two instances against the same storage and each heartbeat still fires once: the instance holding the
listener lease in AzureWebJobsStorage runs the schedule.
"""

import datetime
import logging
import os
import socket

import azure.functions as func

app = func.FunctionApp()


@app.timer_trigger(schedule="%HEARTBEAT_SCHEDULE%", arg_name="timer", run_on_startup=False)
@app.retry(strategy="fixed_delay", max_retry_count="2", delay_interval="00:00:01")
def heartbeat(timer: func.TimerRequest, context: func.Context) -> None:
    now = datetime.datetime.now(datetime.UTC)
    if timer.past_due:
        logging.warning("The timer is past due!")
    logging.info("Heartbeat at %s (next %s)", now.isoformat(), timer.schedule_status.get("Next"))
    record = os.environ.get("HEARTBEAT_FILE")
    if record:
        with open(record, "a", encoding="utf-8") as out:
            out.write(
                f"{now.isoformat()} {socket.gethostname()}-{os.getpid()} "
                f"past_due={timer.past_due} retry={context.retry_context.retry_count}\n"
            )
