"""The HTTP side of the host: function routes, keys and auth levels, the admin API, probes and metrics.

`build_http_app()` (app.py) assembles the Starlette app from small parts: `templates`/`constraints`/`routing`
(ASP.NET-style route templates and the route table), `keys`/`key_sources`/`auth` (function keys and auth levels),
`limits` (request body size), `endpoints`/`wsgi`/`lifespan` (functions and native ASGI/WSGI apps), `admin` and
`health` (host APIs), `dispatch` (the route that serves every function). docs/http.md is the user-facing story.
"""

from __future__ import annotations
