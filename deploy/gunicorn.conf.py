"""gunicorn's settings for OpenSelf, behind the nginx site of this folder (deploy/nginx-openself.conf).

Sync workers: nginx reads each request whole (body and headers, with its own timeouts) before it
hands it over, and reads each answer whole too, so a worker is busy only for the time Django takes.
A slow or malicious client costs nginx a connection, never a worker. Without such a proxy in front,
four clients sending a byte a second would hold the four workers: never expose gunicorn directly.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "sync"
timeout = 30  # seconds a worker may spend on one request before it is replaced
graceful_timeout = 30
max_requests = 2000  # a worker is replaced now and then, so no slow leak grows for ever
max_requests_jitter = 200
forwarded_allow_ips = "127.0.0.1,::1"  # nginx, on this machine, says whether the request came over HTTPS
accesslog = "-"
errorlog = "-"
