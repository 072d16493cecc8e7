"""Telling people that something waits for them: one call, delivered through every configured channel.

A channel delivers a notice to people its own way. Mail is the one there is (sent by the mail task
once the change is committed, see ``smgov.lib.mail``); another channel (a chat webhook, say) is one
more class named in ``CHANNELS``. ``SMGOV_NOTIFY_CHANNELS`` chooses the channels in use.

A notice names what happened and where to act, never the content it is about: the text of a comment
may be exactly what must not travel further.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .mail import mail_after_commit


class Person(Protocol):
    email: str


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str


class Channel(ABC):
    name: ClassVar[str]

    @abstractmethod
    def send(self, people: list[Person], notice: Notice) -> list[str]:
        """Deliver ``notice`` to ``people`` (after the current transaction commits); returns whom it
        will reach, as this channel addresses them."""


class MailChannel(Channel):
    name = "mail"

    def send(self, people: list[Person], notice: Notice) -> list[str]:
        addresses = sorted({person.email for person in people if person.email})
        mail_after_commit(addresses, notice.subject, notice.body)
        return addresses


CHANNELS: dict[str, type[Channel]] = {MailChannel.name: MailChannel}


def _unknown_channels() -> list[str]:
    return [name for name in settings.SMGOV_NOTIFY_CHANNELS if name not in CHANNELS]


def configured_channels() -> list[Channel]:
    unknown = _unknown_channels()
    if unknown:
        raise ImproperlyConfigured(
            f"SMGOV_NOTIFY_CHANNELS names unknown channels {unknown}; known: {sorted(CHANNELS)}"
        )
    return [CHANNELS[name]() for name in dict.fromkeys(settings.SMGOV_NOTIFY_CHANNELS)]


def notify(people: Iterable[Person], notice: Notice) -> list[str]:
    """Send ``notice`` to the people through every configured channel; returns whom it reaches (each
    channel reaches a person once, however often they are named)."""
    people = [person for person in people if person is not None]
    reached: list[str] = []
    for channel in configured_channels():
        reached += channel.send(people, notice)
    return reached


@checks.register()
def check_notify_channels(app_configs=None, **kwargs):
    unknown = _unknown_channels()
    if not unknown:
        return []
    return [
        checks.Error(
            f"SMGOV_NOTIFY_CHANNELS names unknown channels: {', '.join(unknown)}",
            hint=f"Known channels: {', '.join(sorted(CHANNELS))}.",
            id="smgov.E100",
        )
    ]
