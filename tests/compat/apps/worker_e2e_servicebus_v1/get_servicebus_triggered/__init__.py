import azure.functions as azf


def main(req: azf.HttpRequest, file: azf.InputStream) -> str:
    return azf.HttpResponse(
        file.read().decode('utf-8'), mimetype='application/json')
