"""Structured logs: one JSON object a line in production, readable lines in development.

Every line carries the request id (``RequestId`` middleware) or the Celery task id (bound by the
task signals in smgov/celery.py) through structlog's context variables, and goes through the
redaction of smgov/lib/redaction.py last, after rendering, so no secret reaches a log line whatever
a caller put in the message or in its key-value pairs.
"""

import logging

import structlog

from . import redaction

SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]


def redact_rendered(logger, method_name, rendered: str) -> str:
    """The last step: the rendered line, with every secret replaced."""
    return redaction.redact(rendered)


def formatter(*, json: bool) -> dict:
    """A logging ``formatters`` entry for ``dictConfig``."""
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    processors = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if json:
        processors.append(structlog.processors.format_exc_info)
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "processors": [*processors, renderer, redact_rendered],
        "foreign_pre_chain": [*SHARED, structlog.stdlib.ExtraAdder()],
    }


def configure() -> None:
    """structlog's own loggers hand their events to the standard library's handlers."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def sentry_init(*, dsn: str, environment: str) -> None:
    """Errors to Sentry, only when a DSN is set; events are redacted like log lines and carry no
    personal data."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    def before_send(event, hint):
        import json

        return json.loads(redaction.redact(json.dumps(event, default=str)))

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        send_default_pii=False,
        before_send=before_send,
    )
