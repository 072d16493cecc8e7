"""Platform connectors, looked up by platform name, and the one factory that builds them.

``CONNECTORS`` is the one place that knows which class serves which platform; everything else asks
``get_connector_class(account.platform)`` instead of branching on the name, and builds a connector
with ``build_connector``. This package imports nothing from the project: the caller reads the
credentials (``CREDENTIAL_KINDS``, from wherever it keeps them) and passes them in.
"""

from collections.abc import Iterable, Mapping

import requests

from .base import Connector
from .bluesky import BlueskyConnector
from .facebook import FacebookConnector
from .instagram import InstagramConnector
from .mastodon import MastodonConnector
from .rss import RSSConnector
from .youtube import YouTubeConnector

CONNECTORS: dict[str, type[Connector]] = {
    cls.platform: cls
    for cls in (
        MastodonConnector,
        BlueskyConnector,
        FacebookConnector,
        InstagramConnector,
        YouTubeConnector,
        RSSConnector,
    )
}

# The credential names the connectors understand; an account's other secrets (e.g. a password for
# people) are never read to build a connector.
CREDENTIAL_KINDS = tuple(sorted({kind for cls in CONNECTORS.values() for kind in cls.credential_kinds}))


def credential_kinds(platform: str) -> tuple[str, ...]:
    """The credential kinds the connector of ``platform`` reads (none for an unknown platform)."""
    cls = CONNECTORS.get(platform)
    return cls.credential_kinds if cls else ()


def webhook_platform(webhook_object: str) -> str | None:
    """The platform whose webhook deliveries carry this ``object`` ("page", "instagram"), if any."""
    return next(
        (name for name, cls in CONNECTORS.items() if webhook_object and cls.webhook_object == webhook_object),
        None,
    )


def get_connector_class(platform: str) -> type[Connector]:
    try:
        return CONNECTORS[platform]
    except KeyError:
        raise KeyError(
            f"no connector for platform {platform!r}; known: {', '.join(sorted(CONNECTORS))}"
        ) from None


def build_connector(
    platform: str,
    *,
    base_url: str | None,
    platform_id: str,
    handle: str,
    credentials: Mapping[str, str],
    session: requests.Session | None = None,
    timeout: float = 20,
    own_authors: Iterable[str] = (),
) -> Connector:
    """The connector for one account of ``platform`` (``KeyError`` for an unknown platform)."""
    return get_connector_class(platform)(
        base_url=base_url,
        platform_id=platform_id,
        handle=handle,
        credentials=credentials,
        session=session,
        timeout=timeout,
        own_authors=own_authors,
    )
