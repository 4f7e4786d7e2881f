from flask import Flask

# Always use relative import for custom module
from .package.module import MODULE_VALUE

app = Flask(__name__)


@app.route("/")
def index():
    return "Try /hello/Chris for parameterized Flask route.\nTry /module for module import guidance"


@app.route("/hello/<name>", methods=["GET"])
def hello(name: str):
    return f"hello {name}"


@app.route("/module")
def module():
    return f"loaded from FlaskApp.package.module = {MODULE_VALUE}"


if __name__ == "__main__":
    app.run()
