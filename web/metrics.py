"""``GET /metrics``: request latency and the store's figures in Prometheus text format.

Each app has its own registry (several apps in one test process never collide). Request figures
are measured by before/after request hooks and labelled by the route template, never the raw
path, so ids and keys neither leak nor multiply the series. Under gunicorn with
``PROMETHEUS_MULTIPROC_DIR`` set, every worker writes its request figures there and a scrape sums
them. Access and the metric names are documented in docs/metrics.md.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from parley.settings import get_settings
from web.metrics_collector import StoreCollector

bp = Blueprint("metrics", __name__)

EXTENSION = "parley.metrics"
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
# A client may send any method name; anything else is counted as "other" so it cannot add series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route: a 404 for an unknown path, or a redirect to add a slash


@dataclass(frozen=True)
class AppMetrics:
    registry: CollectorRegistry
    store: StoreCollector
    duration: Histogram
    requests: Counter


def init_app(app: Flask) -> None:
    """Give ``app`` its own registry, the request hooks and the ``/metrics`` route.

    Call it before other request hooks are registered, so the timer starts first.
    """
    directory = os.environ.get(MULTIPROCESS_ENV)
    if directory:
        os.makedirs(directory, exist_ok=True)
    registry = CollectorRegistry()
    labels = ["method", "route", "status"]
    metrics = AppMetrics(
        registry=registry,
        store=StoreCollector(),
        duration=Histogram(
            "parley_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            labels,
            registry=registry,
        ),
        requests=Counter(
            "parley_http_requests",
            "HTTP requests answered, by method, route template and status.",
            labels,
            registry=registry,
        ),
    )
    registry.register(metrics.store)
    app.extensions[EXTENSION] = metrics
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.register_blueprint(bp)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started: float | None = g.pop("metrics_started", None)
    metrics: AppMetrics = current_app.extensions[EXTENSION]
    method = request.method if request.method in METHODS else "other"
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    labels = (method, route, str(response.status_code))
    metrics.requests.labels(*labels).inc()
    if started is not None:
        metrics.duration.labels(*labels).observe(time.perf_counter() - started)
    return response


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _refusal() -> Response | None:
    """Why this request may not read the metrics, or None when it may.

    With ``PARLEY_METRICS_TOKEN`` set, only a request bearing it; without one, only a loopback
    client and never in production (behind a proxy every client may look like loopback).
    """
    settings = get_settings()
    if settings.metrics_token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), settings.metrics_token.encode()
        ):
            return None
        return Response(
            "Metrics need the bearer token set in PARLEY_METRICS_TOKEN.\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="parley-metrics"'},
            mimetype="text/plain",
        )
    if settings.environment == "production":
        return Response("Metrics are off: set PARLEY_METRICS_TOKEN.\n", 403, mimetype="text/plain")
    if not _is_loopback(request.remote_addr):
        return Response(
            "Metrics without PARLEY_METRICS_TOKEN are served to loopback clients only.\n",
            403,
            mimetype="text/plain",
        )
    return None


@bp.get("/metrics")
def scrape() -> Response:
    refused = _refusal()
    if refused is not None:
        return refused
    metrics: AppMetrics = current_app.extensions[EXTENSION]
    registry = metrics.registry
    if os.environ.get(MULTIPROCESS_ENV):
        # Request figures of every worker process, read from their files, plus the store's.
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(metrics.store)
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(registry), content_type=content_type, headers={"Cache-Control": "no-store"})
