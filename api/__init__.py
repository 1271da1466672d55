"""The JSON API (flask-smorest): thin views over the services, one error shape everywhere."""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle
from flask import Blueprint as FlaskBlueprint
from flask import Flask, request, send_from_directory
from flask_smorest import Api as _SmorestApi
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from api.errors import error_payload, init_integrity_errors
from core.errors import DomainError
from payments.providers import ProviderError


class Api(_SmorestApi):
    """flask-smorest's Api with Dandelion's error shape: ``{code, status, message, errors}``."""

    def handle_http_exception(self, error: HTTPException) -> Any:
        if not request.path.startswith("/api/"):
            # Pages outside the API keep Flask's HTML errors (the dashboard renders its own).
            return error
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages") or {}
        # Keep the exception's own headers (Allow on a 405, Retry-After on a 429), not its type.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        if error.code == 429 and error.description:
            message = f"Too many requests: {error.description}. Retry later."
        else:
            message = data.get("message") or _default_message(error)
        return error_payload(error.code or 500, message, _flatten(errors)), error.code, headers


def _default_message(error: HTTPException) -> str:
    if error.code == 422:
        return "The request has invalid fields."
    if error.code and error.code >= 500:
        return "Something went wrong on our side; it has been logged."
    return str(error.description or error.name)


def _flatten(errors: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors by location (``json``, ``query``); clients want fields."""
    flat: dict[str, Any] = {}
    for key, value in errors.items():
        if key in ("json", "query", "form", "path", "headers") and isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return flat


# Query strings follow each schema's own ``unknown`` (RAISE): webargs would drop unknown
# query parameters silently, and a typo in ``?statsu=`` deserves an error.
Blueprint.ARGUMENTS_PARSER.DEFAULT_UNKNOWN_BY_LOCATION = {}
api = Api()


def init_api(app: Flask) -> None:
    """Bind the API, its blueprints and its error handlers to ``app``."""
    from api import (
        accounts,
        brand_control,
        campaigns,
        creators,
        discovery,
        disputes,
        exports,
        match_runs,
        negotiation,
        notifications,
        open_calls,
        results,
        sponsorships,
        taxonomy,
        trends,
        webhooks,
    )

    api.init_app(app)
    _document_error_examples()
    blueprints = (accounts, campaigns, brand_control, creators, sponsorships, match_runs, webhooks)
    blueprints += (discovery,)
    blueprints += (open_calls,)
    blueprints += (disputes,)
    blueprints += (negotiation,)
    blueprints += (results,)
    blueprints += (exports,)
    blueprints += (trends,)
    blueprints += (taxonomy,)
    blueprints += (notifications,)
    for blp in (module.blp for module in blueprints):
        api.register_blueprint(blp, url_prefix="/api/v1")
    app.register_blueprint(_swagger_assets)

    init_integrity_errors(app)

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> Any:
        return error_payload(exc.status, exc.message, exc.errors), exc.status

    @app.errorhandler(ProviderError)
    def _provider_error(exc: ProviderError) -> Any:
        status = 503 if exc.retryable else 502
        return error_payload(status, f"The payment provider did not complete this: {exc}"), status


def _document_error_examples() -> None:
    """Give the shared error responses (422 and the default) an example in our error shape."""
    from api import examples

    lazy = api.spec.components.responses_lazy  # flask-smorest registers them lazily
    for name, example in (
        ("UNPROCESSABLE_ENTITY", examples.VALIDATION_ERROR),
        ("DEFAULT_ERROR", examples.DEFAULT_ERROR),
    ):
        content = lazy.get(name, {}).get("content", {}).get("application/json")
        if content is not None:
            content["example"] = example


# The interactive docs load Swagger UI from the installed package, never from a CDN.
_swagger_assets = FlaskBlueprint("swagger_assets", __name__)


@_swagger_assets.route("/api/v1/static/swagger-ui/<path:filename>")
def _swagger_asset(filename: str) -> Any:
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
