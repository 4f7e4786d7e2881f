# A blob app in the Python worker's end-to-end style: fixed paths in one container, the blob decorators
# (blob_trigger / blob_input / blob_output), str, bytes, file-like and $return values, data_type BINARY and
# STRING, and HTTP functions that put and get each blob.
import hashlib
import io
import json

import azure.functions as func

app = func.FunctionApp()


@app.function_name(name="blob_trigger")
@app.blob_trigger(arg_name="file", path="python-worker-tests/test-blob-trigger.txt",
                  connection="AzureWebJobsStorage")
@app.blob_output(arg_name="$return", path="python-worker-tests/test-blob-triggered.txt",
                 connection="AzureWebJobsStorage")
def blob_trigger(file: func.InputStream) -> str:
    return json.dumps({
        "name": file.name,
        "length": file.length,
        "content": file.read().decode("utf-8"),
        "content_length": file.blob_properties["ContentLength"],
    })


@app.function_name(name="put_blob_trigger")
@app.blob_output(arg_name="file", path="python-worker-tests/test-blob-trigger.txt",
                 connection="AzureWebJobsStorage")
@app.route(route="put_blob_trigger")
def put_blob_trigger(req: func.HttpRequest, file: func.Out[str]) -> str:
    file.set(req.get_body())
    return "OK"


@app.function_name(name="get_blob_triggered")
@app.blob_input(arg_name="file", path="python-worker-tests/test-blob-triggered.txt",
                 connection="AzureWebJobsStorage")
@app.route(route="get_blob_triggered")
def get_blob_triggered(req: func.HttpRequest, file: func.InputStream) -> str:
    return file.read().decode("utf-8")


@app.function_name(name="put_blob_str")
@app.blob_output(arg_name="file", path="python-worker-tests/test-str.txt", connection="AzureWebJobsStorage")
@app.route(route="put_blob_str")
def put_blob_str(req: func.HttpRequest, file: func.Out[str]) -> str:
    file.set(req.get_body())
    return "OK"


@app.function_name(name="get_blob_str")
@app.blob_input(arg_name="file", path="python-worker-tests/test-str.txt", connection="AzureWebJobsStorage")
@app.route(route="get_blob_str")
def get_blob_str(req: func.HttpRequest, file: func.InputStream) -> str:
    return file.read().decode("utf-8")


@app.function_name(name="get_blob_as_str")
@app.route(route="get_blob_as_str")
@app.blob_input(arg_name="file", path="python-worker-tests/test-str.txt", data_type="STRING",
                 connection="AzureWebJobsStorage")
def get_blob_as_str(req: func.HttpRequest, file: str) -> str:
    assert isinstance(file, str)
    return file


@app.function_name(name="put_blob_filelike")
@app.blob_output(arg_name="file", path="python-worker-tests/test-filelike.txt", connection="AzureWebJobsStorage")
@app.route(route="put_blob_filelike")
def put_blob_filelike(req: func.HttpRequest, file: func.Out[io.StringIO]) -> str:
    file.set(io.StringIO("filelike"))
    return "OK"


@app.function_name(name="get_blob_filelike")
@app.blob_input(arg_name="file", path="python-worker-tests/test-filelike.txt", connection="AzureWebJobsStorage")
@app.route(route="get_blob_filelike")
def get_blob_filelike(req: func.HttpRequest, file: func.InputStream) -> str:
    return file.read().decode("utf-8")


@app.function_name(name="put_blob_return")
@app.blob_output(arg_name="$return", path="python-worker-tests/test-return.txt", connection="AzureWebJobsStorage")
@app.route(route="put_blob_return", binding_arg_name="resp")
def put_blob_return(req: func.HttpRequest, resp: func.Out[func.HttpResponse]) -> str:
    return "FROM RETURN"


@app.function_name(name="get_blob_return")
@app.blob_input(arg_name="file", path="python-worker-tests/test-return.txt", connection="AzureWebJobsStorage")
@app.route(route="get_blob_return")
def get_blob_return(req: func.HttpRequest, file: func.InputStream) -> str:
    return file.read().decode("utf-8")


@app.function_name(name="put_blob_as_bytes_return_http_response")
@app.blob_output(arg_name="file", path="python-worker-tests/test-bytes.txt", data_type="BINARY",
                 connection="AzureWebJobsStorage")
@app.route(route="put_blob_as_bytes_return_http_response")
def put_blob_as_bytes_return_http_response(req: func.HttpRequest, file: func.Out[bytes]) -> func.HttpResponse:
    content = bytes(range(256)) * (int(req.params["content_size"]) // 256)
    file.set(content)
    body = {"content_size": len(content), "content_md5": hashlib.md5(content).hexdigest()}
    return func.HttpResponse(body=json.dumps(body), mimetype="application/json", status_code=200)


@app.function_name(name="get_blob_as_bytes_return_http_response")
@app.route(route="get_blob_as_bytes_return_http_response")
@app.blob_input(arg_name="file", path="python-worker-tests/test-bytes.txt", data_type="BINARY",
                 connection="AzureWebJobsStorage")
def get_blob_as_bytes_return_http_response(req: func.HttpRequest, file: bytes) -> func.HttpResponse:
    assert isinstance(file, bytes)
    body = {"content_size": len(file), "content_md5": hashlib.md5(file).hexdigest()}
    return func.HttpResponse(body=json.dumps(body), mimetype="application/json", status_code=200)


@app.function_name(name="put_get_multiple_blobs")
@app.blob_input(arg_name="inputfile1", data_type="BINARY", path="python-worker-tests/test-str.txt",
                 connection="AzureWebJobsStorage")
@app.blob_input(arg_name="inputfile2", data_type="BINARY", path="python-worker-tests/test-filelike.txt",
                 connection="AzureWebJobsStorage")
@app.blob_output(arg_name="outputfile1", data_type="BINARY", path="python-worker-tests/test-multi-out-1.txt",
                 connection="AzureWebJobsStorage")
@app.blob_output(arg_name="outputfile2", data_type="BINARY", path="python-worker-tests/test-multi-out-2.txt",
                 connection="AzureWebJobsStorage")
@app.route(route="put_get_multiple_blobs")
def put_get_multiple_blobs(req: func.HttpRequest, inputfile1: bytes, inputfile2: bytes,
                           outputfile1: func.Out[bytes], outputfile2: func.Out[bytes]) -> func.HttpResponse:
    outputfile1.set(inputfile1[::-1])
    outputfile2.set(inputfile2.upper())
    return func.HttpResponse(json.dumps({"input_sizes": [len(inputfile1), len(inputfile2)]}),
                             mimetype="application/json")
