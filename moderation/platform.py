"""The platform side of moderation: publishing replies and hiding comments through the connectors,
and the translation of a connector's item into the archive's terms.

Which platform can do what is the connector's business (`can_reply`, `can_hide`); this module only
builds a connector for an account, with the credentials a connector understands
(``platforms.CREDENTIAL_KINDS``) read through the logged vault; the account's other secrets are
never read here.
"""

from django.utils.translation import gettext_lazy as _

from accounts import services as account_services
from accounts.models import Platform, ServiceAccount
from archive.services import EarlierVersion, IncomingItem
from platforms import CREDENTIAL_KINDS, build_connector, get_connector_class
from platforms.base import Connector, Item

# What a person does by hand where the platform's API cannot hide or delete a comment.
MANUAL_REMOVAL_STEPS = {
    "facebook": _("Open the comment on Facebook, choose … and Hide or Delete."),
    "instagram": _("Open the comment in Instagram, swipe left on it (or press and hold) and choose Delete."),
    "youtube": _("Open the comment in YouTube Studio under Comments and choose Remove."),
    "mastodon": _(
        "Log in to the account, open the reply and report it, or block the author; Mastodon only lets the author delete it."
    ),
    "bluesky": _("Open the post in Bluesky, choose … and Hide reply for everyone (or report it)."),
    "rss": _("Log in to the blog's administration and delete or unpublish the comment."),
}
DEFAULT_REMOVAL_STEPS = _("Log in to the platform with the account and delete or hide the comment.")


def connector_class(platform: str) -> type[Connector] | None:
    try:
        return get_connector_class(platform)
    except KeyError:
        return None


def can_publish(platform: str) -> bool:
    cls = connector_class(platform)
    return bool(cls and cls.can_reply)


def can_hide(platform: str) -> bool:
    cls = connector_class(platform)
    return bool(cls and cls.can_hide)


def reply_limit(platform: str) -> int | None:
    """The longest reply the platform takes, counted as it counts (None for an unknown platform)."""
    cls = connector_class(platform)
    return cls.reply_limit if cls else None


def count_kind(platform: str) -> str:
    cls = connector_class(platform)
    return cls.count_unit if cls else "characters"


def reply_length(platform: str, text: str) -> int:
    cls = connector_class(platform)
    return cls.count_text(text) if cls else len(text)


def reply_too_long(platform: str, published_text: str) -> str:
    """A Swedish (translated) error when the reply with its signature exceeds the platform's limit."""
    limit = reply_limit(platform)
    length = reply_length(platform, published_text)
    if limit is None or length <= limit:
        return ""
    return _(
        "The reply with its signature is %(length)s characters; %(platform)s takes at most %(limit)s. "
        "Shorten it by %(over)s."
    ) % {"length": length, "platform": Platform(platform).label, "limit": limit, "over": length - limit}


def removal_steps(platform: str) -> str:
    return MANUAL_REMOVAL_STEPS.get(platform, DEFAULT_REMOVAL_STEPS)


def _credentials(account: ServiceAccount, purpose: str) -> dict[str, str]:
    stored = set(account.credentials.values_list("name", flat=True))
    return {
        name: account_services.credential_read(account=account, name=name, purpose=purpose)
        for name in CREDENTIAL_KINDS
        if name in stored
    }


def connector_for(account: ServiceAccount, *, purpose: str) -> Connector:
    return build_connector(
        account.platform,
        base_url=account.api_base_url or None,
        platform_id=account.platform_id,
        handle=account.handle,
        credentials=_credentials(account, purpose),
    )


def incoming_item(item: Item, earlier: tuple[EarlierVersion, ...] = ()) -> IncomingItem:
    """A connector's item in the archive's own terms (the archive knows nothing of connectors): the
    one translation for the harvest and for the replies smgov publishes, so both upsert the same record."""
    author = item.author
    return IncomingItem(
        platform_id=item.platform_id,
        kind=str(item.kind),
        published_at=item.published_at,
        text=item.text,
        text_format=item.text_format,
        is_own=item.is_own,
        parent_platform_id=item.parent_id or "",
        thread_platform_id=item.thread_id or "",
        author_name=author.name if author else "",
        author_handle=author.handle if author else "",
        author_platform_id=author.platform_id if author else "",
        media=[{"url": m.url, "type": m.type, "alt_text": m.alt_text} for m in item.media],
        permalink=item.permalink or "",
        edited_at=item.edited_at,
        raw=item.raw,
        earlier_versions=earlier,
    )
