"""Platform connectors, looked up by platform name.

``CONNECTORS`` is the one place that knows which class serves which platform; everything else asks
``get_connector_class(account.platform)`` instead of branching on the name.
"""

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


def get_connector_class(platform: str) -> type[Connector]:
    try:
        return CONNECTORS[platform]
    except KeyError:
        raise KeyError(
            f"no connector for platform {platform!r}; known: {', '.join(sorted(CONNECTORS))}"
        ) from None
