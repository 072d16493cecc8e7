"""What Facebook Pages and Instagram professional accounts share: Meta's Graph API.

Both speak the same dialect: the token travels as a bearer header (Graph also takes it as the
``access_token`` query parameter, which would put it in every log of every hop), lists come as
``{"data": [...], "paging": {"next": ...}}`` and errors as ``{"error": {"code", "error_subcode",
"message"}}``. The platform subclasses only know their own fields and objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from urllib3 import encode_multipart_formdata

from .base import (
    Author,
    Connector,
    CredentialsInvalid,
    Item,
    ItemKind,
    MalformedResponse,
    NotFound,
    Page,
    PermanentError,
    Published,
    RateLimited,
    Response,
    TransientError,
    Upload,
    retry_after_seconds,
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
USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-Page-Usage", "X-App-Usage", "X-Ad-Account-Usage")
USAGE_PERCENTAGES = ("call_count", "total_time", "total_cputime", "acc_id_util_pct")
# Meta throttles an app at 100 % of an allowance; from this share on, we stop before it does.
BACK_OFF_PERCENT = 95

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

    def post_file(self, path: str, file_field: str, upload: Upload, **fields: str) -> Response:
        """A POST with a file as ``multipart/form-data`` (how Graph takes uploaded photos)."""
        body, content_type = encode_multipart_formdata(
            {**fields, file_field: (upload.filename, upload.data, upload.content_type)}
        )
        return self.request("POST", self.url(path), data=body, headers={"Content-Type": content_type})

    def new_id(self, response: Response) -> str:
        """The id of the object a POST created: Graph answers ``{"id": ...}``."""
        body = response.json()
        return self.parsed(response, lambda: str(body["id"]))

    def accepted_post(self, response: Response, platform_id: str, text: str) -> Published:
        """What we know of a post Graph accepted but then would not describe: the harvest fills in the
        rest by the same id."""
        item = Item(
            kind=ItemKind.POST,
            platform_id=platform_id,
            parent_id=None,
            thread_id=platform_id,
            author=Author(name=self.handle, handle=self.handle, platform_id=self.platform_id),
            text=text,
            text_format="plain",
            media=(),
            permalink=None,
            published_at=response.fetched_at,
            edited_at=None,
            raw={"id": platform_id},
            is_own=True,
        )
        return Published(item, response)

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

    def _allowance_used_up_until(self, response: Response) -> datetime | None:
        """Every Graph answer reports how much of the app's, Page's, business's or ad account's
        allowance is used; near the limit we wait as long as it says (or the default) before the next."""
        percent, seconds = _usage(response)
        if percent < BACK_OFF_PERCENT:
            return None
        return datetime.now(UTC) + timedelta(seconds=seconds or DEFAULT_WAIT)

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


def _usage(response: Response) -> tuple[float, float]:
    """The highest usage in Meta's usage headers (per cent of an allowance) and the longest wait they
    name (seconds), 0 where they name none.

    ``X-App-Usage`` and ``X-Page-Usage`` are one usage object (``call_count``, ``total_time``,
    ``total_cputime``); ``X-Business-Use-Case-Usage`` maps each business object to a list of them,
    with ``estimated_time_to_regain_access`` in minutes; ``X-Ad-Account-Usage`` has
    ``acc_id_util_pct`` and ``reset_time_duration`` in seconds.
    """
    percent = seconds = 0.0
    for name in USAGE_HEADERS:
        try:
            usage = json.loads(response.header(name) or "{}")
        except ValueError:
            continue
        if not isinstance(usage, dict):
            continue
        entries = (
            [usage]
            if not any(isinstance(v, list) for v in usage.values())
            else [e for v in usage.values() if isinstance(v, list) for e in v]
        )
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for key in USAGE_PERCENTAGES:
                percent = max(percent, _number(entry.get(key)))
            seconds = max(
                seconds,
                _number(entry.get("estimated_time_to_regain_access")) * 60,
                _number(entry.get("reset_time_duration")),
            )
    return percent, seconds


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _wait_seconds(response: Response) -> float:
    """How long a throttled request waits: ``Retry-After`` or the usage headers' estimate, whichever
    is longer, else the default."""
    _percent, seconds = _usage(response)
    return max(retry_after_seconds(response, default=0), seconds) or DEFAULT_WAIT
