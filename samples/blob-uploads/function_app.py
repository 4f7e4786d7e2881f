"""blob-uploads: a blob trigger on the "uploads" container (AzureWebJobsStorage, Azurite locally) that summarizes
each new or changed CSV under "incoming/" and puts the summary on the "upload-summaries" queue.

    az storage blob upload --connection-string UseDevelopmentStorage=true -c uploads -n incoming/a.csv -f a.csv

Each blob version fires once, across instances and restarts (blob receipts in azure-webjobs-hosts). A CSV without
a header row fails; the trigger retries it up to host.json extensions.blobs.poisonBlobThreshold times, then puts
its message on "webjobs-blobtrigger-poison". Create the container before starting the host.
"""

import csv
import io
import json
import logging

import azure.functions as func

app = func.FunctionApp()


@app.blob_trigger(arg_name="upload", path="%UPLOADS_CONTAINER%/incoming/{name}.csv", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="summaries", queue_name="%SUMMARY_QUEUE%", connection="AzureWebJobsStorage")
def summarize_upload(upload: func.InputStream, summaries: func.Out[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(upload.read().decode("utf-8"))))
    if not rows:
        raise ValueError(f"{upload.name} has no header row or no data rows")
    summary = {"blob": upload.name, "rows": len(rows), "columns": list(rows[0])}
    logging.info("Blob %s: %d rows", upload.name, len(rows))
    summaries.set(json.dumps(summary))
