"""/healthz: whether this app server can serve (database, cache, storage) and whether the
background work keeps up (task worker, supervision loop), for a load balancer and monitoring.

checks.py holds the checks (django-health-check's HealthCheck), lanes.py the threads they run
on, views.py the endpoint."""
