"""What Facebook Pages and Instagram professional accounts share: Meta's Graph API.

Both speak the same dialect: the token travels as a bearer header (Graph also takes it as the
``access_token`` query parameter, which would put it in every log of every hop), lists come as
``{"data": [...], "paging": {"next": ...}}`` and errors as ``{"error": {"code", "error_subcode",
"message"}}``. The platform subclasses only know their own fields and objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from .base import (
    Connector,
    CredentialsInvalid,
    Item,
    MalformedResponse,
    NotFound,
    Page,
    PermanentError,
    RateLimited,
    Response,
    TransientError,
    same_origin,
)

# Application, user, page and custom throttling, and the Business Use Case limits (80001 Pages,
# 80002 Instagram, ...): all mean "wait", none means "your request is wrong".
THROTTLING_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80000, 80020))
INVALID_TOKEN = 190
OBJECT_MISSING = (100, 33)  # "Object with ID ... does not exist, cannot be loaded due to missing permissions"
# Meta gives no reset time for the platform-wide limits, which drain over a rolling hour; waiting ten
# minutes keeps a throttled app from adding to its count while it drains.
DEFAULT_WAIT = 600
USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-Page-Usage", "X-App-Usage")

# (items parsed from one page's "data", whether the listing reached the high-water mark)
PageParser = Callable[[list[dict[str, Any]]], tuple[list[Item], bool]]


class WrongNodeType(PermanentError):
    """The id names another kind of object than the fields we asked for (a comment, not a post)."""


class GraphConnector(Connector):
    default_base_url = "https://graph.facebook.com/v21.0"
    secret_params = ("access_token",)
    credential_kinds = ("access_token",)
    setup_needs = (("platform_id",), ("access_token",))
    can_reply = True
    can_hide = True
    page_size = 50

    def get_node(self, path: str, **params: str) -> tuple[Response, Any]:
        return self.get_json(path, params=params)

    def post_node(self, path: str, **data: str) -> Any:
        response = self.request("POST", self.url(path), data=data)
        return response.json()

    def list_pages(
        self, path: str, params: dict[str, Any], cursor: dict | None, parse: PageParser
    ) -> Iterator[Page]:
        """Walk a Graph list by its ``paging.next`` links, which are complete URLs carrying the token;
        the cursor keeps the link without it. Whether the edge pages by cursors or by time
        (``until``/``__paging_token``, as Page feeds do) is then the platform's business, not ours."""
        if cursor:
            url, params = cursor["next"], {}
        else:
            url, params = self.url(path), {**params, "limit": self.page_size}
        while True:
            response, body = self.get_json(url, params=params)
            items, cursor = self.parsed(response, self._list_page, response, body, parse)
            yield Page(response, items, cursor)
            if cursor is None:
                return
            url, params = cursor["next"], {}

    def _list_page(
        self, response: Response, body: dict, parse: PageParser
    ) -> tuple[list[Item], dict[str, str] | None]:
        items, done = parse(body["data"])
        next_url = body.get("paging", {}).get("next")
        if done or not body["data"] or not next_url:
            return items, None
        if not same_origin(next_url, self.base_url):
            raise MalformedResponse(
                f"{self.platform}: next page {next_url} is not on {self.base_url}", response
            )
        return items, {"next": self.strip_secrets(next_url)}

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Every Graph request carries the token as a bearer header, never in the URL, so no server or
        proxy log, and no library's retry warning, can show it. Graph's own ``paging.next`` links do
        carry it; those are stripped before they are followed or stored."""
        token = self.credentials.get("access_token")
        if token:
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": f"Bearer {token}"}
        return super().request(method, self.strip_secrets(url), **kwargs)

    def _check(self, response: Response) -> None:
        if response.status < 400:
            return
        try:
            error = json.loads(response.body)["error"]
            code, subcode, message = int(error["code"]), error.get("error_subcode"), str(error["message"])
        except (ValueError, KeyError, TypeError):
            super()._check(response)  # not a Graph error body (a proxy's 502 page, say)
            return
        text = f"{self.platform}: {response.method} {response.url}: HTTP {response.status}: {message}"
        if code in THROTTLING_CODES:
            raise RateLimited(text, _wait_seconds(response), response)
        if code == INVALID_TOKEN:
            raise CredentialsInvalid(text, response)
        if (code, subcode) == OBJECT_MISSING or response.status == 404:
            raise NotFound(text, response)
        if code == 100 and "nonexisting field" in message:
            raise WrongNodeType(text, response)
        if response.status >= 500 or error.get("is_transient"):
            raise TransientError(text, response)
        raise PermanentError(text, response)


def _wait_seconds(response: Response) -> float:
    """The longest ``estimated_time_to_regain_access`` (minutes) in Meta's usage headers.

    ``X-Business-Use-Case-Usage`` maps each business object to a list of usages; the app and page
    headers are a single usage object.
    """
    minutes = 0.0
    for name in USAGE_HEADERS:
        try:
            usage = json.loads(response.header(name) or "{}")
        except ValueError:
            continue
        if not isinstance(usage, dict):
            continue
        entries = (
            [usage]
            if "call_count" in usage
            else [e for v in usage.values() if isinstance(v, list) for e in v]
        )
        for entry in entries:
            if isinstance(entry, dict):
                minutes = max(minutes, float(entry.get("estimated_time_to_regain_access") or 0))
    return minutes * 60 if minutes else DEFAULT_WAIT
