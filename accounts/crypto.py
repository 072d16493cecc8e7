"""Encryption of the credential vault (F1).

`settings.CREDENTIALS_KEYS` holds Fernet keys: the first encrypts, every one of them
decrypts, so a new key can be put first and the old ones kept until every credential
has been re-encrypted with `manage.py rotate_credentials_key`.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate"]


def _vault() -> MultiFernet:
    # Built on each use: cheap, and a changed setting (tests, a rotated key) takes effect at once.
    keys = settings.CREDENTIALS_KEYS
    if not keys:
        raise ImproperlyConfigured("CREDENTIALS_KEYS must hold at least one Fernet key")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plaintext: str) -> str:
    return _vault().encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    return _vault().decrypt(token.encode("ascii")).decode()


def rotate(token: str) -> str:
    """The same secret, encrypted with the current first key."""
    return _vault().rotate(token.encode("ascii")).decode("ascii")
