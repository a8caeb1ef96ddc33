"""Gunicorn settings of the production start (`make serve`, `deploy/serve`); read by `gunicorn -c`.

Every value can be set from the environment (the env file `make serve` reads), so one file serves
a laptop trial, an intranet server and the benchmark.
"""

import multiprocessing
import os

# Under systemd the port comes from campaign-web.socket (socket activation) and this is ignored.
bind = os.environ.get("CAMPAIGN_BIND", "127.0.0.1:8000")
# Sync workers: each handles one request at a time. Two per core plus one keeps a core busy while
# another worker waits on the database.
workers = int(os.environ.get("CAMPAIGN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# A request that runs longer than this is killed and the worker replaced. The largest export a
# page allows (200,000 ledger rows) finishes well within it (README, "Speed").
timeout = int(os.environ.get("CAMPAIGN_TIMEOUT", 60))
graceful_timeout = 30
# Keep-alive behind nginx on the same host; nginx holds the clients' connections.
keepalive = 5
# A worker is replaced after this many requests (with jitter) so a slow leak never builds up.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("CAMPAIGN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("CAMPAIGN_LOG_LEVEL", "info")
# Django is loaded once in the arbiter, then the workers fork: faster restarts, shared memory.
# So a HUP restarts the workers on the code loaded at start: new code needs a restart (under
# systemd the socket stays open meanwhile: README, "Deploy on an intranet server").
preload_app = True
# No control socket (gunicornc, unused here): its default, $HOME/.gunicorn/gunicorn.ctl, is one
# path for every gunicorn the user runs (two app servers on one machine) and read-only under
# the systemd unit's ProtectSystem=strict.
control_socket_disable = True
# The reverse proxy on the same machine sets X-Forwarded-Proto (settings.SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("CAMPAIGN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
