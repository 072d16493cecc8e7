"""The API's permission policy: who manages tokens, and what a token may read.

What a person or a system user may see through the API is decided by the apps' own
policies (archive, registry, reports), exactly as on the web; the token adds one limit of
its own, its scopes: the areas it was given to read.
"""

from accounts.roles import Area, Scope, scope


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_manage_tokens(user) -> bool:
    """The information unit makes and revokes the systems' tokens (it holds the login details, F1)."""
    return _active(user) and scope(user, Area.API_TOKENS, change=True) != Scope.NONE


def token_allows(token, area: str) -> bool:
    """A request made with a token reads only the areas the token was given; a signed-in person
    (no token) is limited by their roles alone."""
    return token is None or token.allows(area)
