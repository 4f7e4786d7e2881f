"""The host's home page: a request for `/` that no function serves gets 200 and a short HTML page saying the app
is up, as the Functions host's HomepageMiddleware answers (any method), or 204 with no body when the app setting
`AzureWebJobsDisableHomepage` is `true`. Probes and tools that check "is the app up" with `GET /` — Azure's own
end-to-end tests among them — get the answer they get on Azure. A function whose route is `/` (routePrefix "")
wins: FunctionDispatch serves it before the host's routes are consulted.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

__all__ = ["DISABLE_SETTING", "homepage_routes"]

DISABLE_SETTING = "AzureWebJobsDisableHomepage"
_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Your Functions app is up and running</title></head>
<body>
<h1>Your Functions app is up and running</h1>
<p>funchost is serving this app. Its functions answer under their routes; <code>/healthz</code> and
<code>/readyz</code> report the host's health.</p>
</body>
</html>
"""


def homepage_routes(env: Mapping[str, str] | None = None) -> list[Route]:
    settings = os.environ if env is None else env
    disabled = settings.get(DISABLE_SETTING, "").strip().lower() == "true"  # the host's case-blind "True"

    async def homepage(request: Request) -> Response:
        return Response(status_code=204) if disabled else HTMLResponse(_PAGE)

    return [Route("/", homepage, methods=_METHODS)]
