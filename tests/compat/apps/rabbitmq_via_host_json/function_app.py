import logging

import azure.functions as func

app = func.FunctionApp()


# No connection_string_setting: the RabbitMQ extension uses host.json extensions.rabbitMQ.connectionString.
@app.generic_trigger(arg_name="job", type="rabbitMQTrigger", queue_name="%JobsQueue%")
@app.generic_output_binding(arg_name="$return", type="rabbitMQ", queue_name="%DoneQueue%")
def process_job(job: str) -> str:
    logging.info("processing %s", job)
    return f"done:{job}"
