"""Serving a registered model version over HTTP (DESIGN.md, "HTTP serving contract").

- ``parsing``: a request body (MLflow's four JSON forms, or CSV) into rows.
- ``batching``: the predictor thread, which coalesces concurrent requests into one predict call.
- ``logwriter``: the prediction log, written in batches by one background thread, with the
  dataset's validation rules each row broke.
- ``app``: the WSGI app (werkzeug): routes, errors, token, X-Request-ID, metadata, OpenAPI.
- ``server``: ``serve``, which runs the app under waitress and stops it gracefully.
- ``control``: whether a server runs (by its lock) and asking one to stop (by a stop file).
"""

from mlops_desktop.core.serving.app import ServingApp
from mlops_desktop.core.serving.server import DEFAULT_HOST, DEFAULT_PORT, check_address, serve

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "ServingApp", "check_address", "serve"]
