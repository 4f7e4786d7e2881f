"""blob-transform: every CSV uploaded to the "uploads" container is converted to JSON and written to the
"converted" container under the same name (`{name}` of the trigger path binds the output path).

    az storage blob upload --connection-string UseDevelopmentStorage=true -c uploads -n reports/q1.csv -f q1.csv
    az storage blob download --connection-string UseDevelopmentStorage=true -c converted -n reports/q1.json -f -

Each blob version is converted once (blob receipts in azure-webjobs-hosts); uploading a changed CSV rewrites its
JSON. A CSV that is not UTF-8 fails and is retried up to host.json extensions.blobs.poisonBlobThreshold times,
then its message goes to "webjobs-blobtrigger-poison". Create the "uploads" container before starting the host;
the output binding creates "converted".
"""

import csv
import io
import json
import logging

import azure.functions as func

app = func.FunctionApp()


@app.blob_trigger(arg_name="source", path="%UPLOADS_CONTAINER%/{name}.csv", connection="AzureWebJobsStorage")
@app.blob_output(arg_name="converted", path="%CONVERTED_CONTAINER%/{name}.json", connection="AzureWebJobsStorage")
def csv_to_json(source: func.InputStream, converted: func.Out[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(source.read().decode("utf-8-sig"))))
    converted.set(json.dumps({"source": source.name, "rows": rows}, indent=2))
    logging.info("Converted %s: %d rows", source.name, len(rows))
