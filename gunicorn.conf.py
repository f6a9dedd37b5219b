"""gunicorn settings for Kaffeklub, read by `gunicorn -c gunicorn.conf.py wsgi:app`.

gunicorn also reads ./gunicorn.conf.py by itself when started from the repository root.
Command-line options (--workers, --bind ...) still win over anything set here.

gunicorn writes `Server: gunicorn` into every response and has no setting for it; a `Server`
header only tells an attacker which software (and so which known bugs) to try. The response
class is patched here, in the master before the workers fork, to send no `Server` header.
"""

from gunicorn.http import wsgi as _gunicorn_wsgi

_default_headers = _gunicorn_wsgi.Response.default_headers


def _default_headers_without_server(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


if _gunicorn_wsgi.Response.default_headers is _default_headers:
    _gunicorn_wsgi.Response.default_headers = _default_headers_without_server
