import azure.functions as azf
from FlaskApp import app  # noqa: F401  (no FlaskApp folder in this app)


def main(req: azf.HttpRequest):
    return azf.HttpResponse("never")
