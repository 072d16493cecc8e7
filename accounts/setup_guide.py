"""What setting up an account on each platform takes, in words.

The connectors in ``platforms`` say, as plain data, what they need (``setup_needs``, with
alternatives, and ``setup_optional``); this module only puts words to those names, per platform,
so the account page can show a checklist of what is there and what is missing.
"""

from django.utils.translation import gettext_lazy as _

# What to create on the platform before anything can be filled in here.
PLATFORM_INTRO = {
    "facebook": _(
        "In Meta for Developers, create an app for the municipality and, as an administrator of the Page, "
        "a long-lived Page access token with the permissions pages_read_engagement, "
        "pages_read_user_content and pages_manage_engagement."
    ),
    "instagram": _(
        "The Instagram account must be a professional account connected to a Facebook Page. Create a "
        "long-lived Page access token for that Page with the permissions instagram_basic and "
        "instagram_manage_comments."
    ),
    "youtube": _(
        "In Google Cloud Console, turn on the YouTube Data API v3 for the municipality's project and "
        "create an API key. Replying and holding comments for review also need an OAuth token that the "
        "channel's owner has authorised."
    ),
    "mastodon": _(
        "On the account's instance, under Preferences → Development, create an application with the "
        "scope read (and write:statuses to publish replies) and copy its access token."
    ),
    "bluesky": _(
        "Nothing needs to be created: everything the harvest reads on Bluesky is public. Give the "
        "account's DID or handle."
    ),
    "rss": _(
        "Nothing needs to be created: give the address of the blog's RSS or Atom feed. Comments are read "
        "from each post's comment feed, or else from the site's comments feed (/comments/feed/)."
    ),
}

# The account's own fields, by the names the connectors use.
FIELD_LABELS = {
    "platform_id": _("Id on the platform"),
    "handle": _("Handle"),
    "base_url": _("API address"),
}

# Where a platform calls a field something more telling than its general name.
NEED_LABELS = {
    ("mastodon", "base_url"): _("Address of the instance"),
    ("rss", "base_url"): _("Address of the feed"),
    ("youtube", "platform_id"): _("Channel id"),
    ("facebook", "platform_id"): _("Page id"),
    ("bluesky", "platform_id"): _("DID"),
}

# (platform, need) -> where to find it; a credential kind's label comes from CREDENTIAL_LABELS.
NEED_HELP = {
    ("facebook", "platform_id"): _("The Page id, a number: the Page's About → Page transparency."),
    ("facebook", "access_token"): _("The Page access token (not a user token)."),
    ("instagram", "platform_id"): _(
        "The Instagram user id, a number: the field instagram_business_account of the connected Page "
        "in the Graph API."
    ),
    ("instagram", "access_token"): _(
        "A Page access token of the Page the Instagram account is connected to."
    ),
    ("youtube", "platform_id"): _("The channel id, beginning with UC (YouTube Studio → Settings → Channel)."),
    ("youtube", "handle"): _("Or the channel's handle, such as @exempelbykommun."),
    ("youtube", "key"): _("The API key from Google Cloud Console."),
    ("youtube", "oauth_token"): _("Only for replying and holding comments for review."),
    ("mastodon", "base_url"): _(
        "The address of the account's instance, such as https://social.exempelby.se."
    ),
    ("mastodon", "platform_id"): _("The account's id on the instance, a number."),
    ("mastodon", "handle"): _("Or the account's name on the instance, such as exempelby."),
    ("mastodon", "access_token"): _("Only for publishing replies; reading works without it."),
    ("bluesky", "platform_id"): _("The account's DID, beginning with did:plc: or did:web:."),
    ("bluesky", "handle"): _("Or the handle, such as exempelby.bsky.social or the municipality's domain."),
    ("bluesky", "app_password"): _(
        "Only for publishing posts: an app password made under Settings → Privacy and security → "
        "App passwords; reading works without it."
    ),
    ("rss", "base_url"): _("The feed's own address, such as https://bibliotek.exempelby.se/blogg/feed/."),
    ("rss", "wp_username"): _(
        "Only for publishing to a WordPress blog: the user the posts are published as."
    ),
    ("rss", "wp_application_password"): _(
        "Only for publishing to a WordPress blog: an application password made under Users → Profile → "
        "Application Passwords. Without it, posts are published by hand."
    ),
}
