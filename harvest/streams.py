"""Long-lived streams a platform pushes to us: Bluesky's Jetstream and Mastodon's streaming API.

One process (``manage.py streams``) holds every connection, each in a thread of its own. A stream
keeps only the events that concern an archived account, stores each as a ``Delivery`` together with
the stream's position in one transaction, and leaves the ingest to the ``harvest.ingest_delivery``
task, which writes through the harvest's own upsert. When a connection drops, the stream waits
(longer each time, up to ``STREAMS_RECONNECT_MAX_SECONDS``) and resumes from its position; events
seen twice are stored once. The scheduled harvest remains the safety net for anything a stream
missed while it was down.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import connect

from accounts.models import AccountState, ServiceAccount
from platforms.base import ConnectorError
from platforms.bluesky import (
    POST_COLLECTION,
    BlueskyConnector,
    did_of,
    jetstream_post_uri,
    jetstream_replied_to,
)
from platforms.mastodon import MastodonConnector, id_key

from . import intake, selectors
from .models import Delivery
from .services import connector_for

logger = logging.getLogger(__name__)

RECV_TIMEOUT = 1.0  # seconds between checks whether the process is stopping
ACCOUNTS_REFRESH = 60.0  # seconds between re-reads of which accounts a stream serves
POSITION_EVERY = 5.0  # seconds between saves of the position when nothing was kept


class Stream:
    """One connection: where to connect, what to do with each frame, where it stands."""

    name = ""
    first_wait = 1.0  # seconds before the first reconnection; doubled after each failure

    def url(self) -> str:
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        return {}

    def opened(self) -> None:
        """Called on each new connection (a stream that can catch up on a gap does it here)."""

    def handle(self, frame: str | bytes) -> None:
        raise NotImplementedError

    def idle(self) -> None:
        """Called when no frame came for a moment."""

    def save_position(self, error: str | None = None) -> None:
        """Store where the stream stands, so that a restarted process resumes there."""


def run_stream(stream: Stream, *, stop: Callable[[], bool]) -> None:
    """Keep ``stream`` connected until ``stop()``: reconnect after every drop, waiting longer each
    time, and resume from the stream's position."""
    wait = stream.first_wait
    while not stop():
        error = None
        try:
            with connect(stream.url(), additional_headers=stream.headers(), open_timeout=30, close_timeout=5,
                         max_size=2**22) as websocket:  # fmt: skip
                logger.info("stream %s connected", stream.name)
                stream.opened()
                wait = stream.first_wait
                while not stop():
                    try:
                        frame = websocket.recv(timeout=RECV_TIMEOUT)
                    except TimeoutError:
                        stream.idle()
                        continue
                    stream.handle(frame)
        except (ConnectionClosed, InvalidHandshake, InvalidURI, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            logger.warning("stream %s disconnected: %s", stream.name, error)
        except DatabaseError as exc:
            # The database went away under us: nothing after the last committed event was kept.
            error = f"{type(exc).__name__}: {exc}"
            logger.warning("stream %s stopped by the database: %s", stream.name, error)
            close_old_connections()
        except Exception as exc:  # the broker away, a frame we did not foresee: never end the thread
            error = f"{type(exc).__name__}: {exc}"
            logger.exception("stream %s failed; connecting again", stream.name)
        try:
            stream.save_position(error)
        except DatabaseError:
            close_old_connections()
        if error is None:
            continue  # the server closed cleanly: connect again at once
        deadline = time.monotonic() + wait
        while not stop() and time.monotonic() < deadline:
            time.sleep(min(0.2, wait))
        wait = min(wait * 2, settings.STREAMS_RECONNECT_MAX_SECONDS)


# --- Bluesky ----------------------------------------------------------------------------------------


class JetstreamStream(Stream):
    """Bluesky's public Jetstream, one connection for every Bluesky account: replies into an
    archived account's threads, and deletions of archived posts. ``time_us`` is the position; a
    resumed cursor replays the event it names, which is then seen twice and stored once."""

    name = "jetstream"
    platform = BlueskyConnector.platform

    def __init__(self, url: str | None = None) -> None:
        self.base_url = url or settings.STREAMS_JETSTREAM_URL
        stored = intake.stream_position(name=self.name)
        self.cursor: int | None = int(stored) if stored.isdigit() else None
        self.saved_cursor = self.cursor
        self.saved_at = time.monotonic()
        self.accounts: dict[str, int] = {}
        self.accounts_at = 0.0

    def url(self) -> str:
        params = [("wantedCollections", POST_COLLECTION)]
        if self.cursor is not None:
            params.append(("cursor", str(self.cursor)))
        return f"{self.base_url}?{urlencode(params)}"

    def _accounts(self) -> dict[str, int]:
        """Active Bluesky accounts by DID, re-read now and then (an account may be added)."""
        if time.monotonic() - self.accounts_at > ACCOUNTS_REFRESH:
            self.accounts = dict(
                ServiceAccount.objects.filter(platform=self.platform, state=AccountState.ACTIVE)
                .exclude(platform_id="")
                .values_list("platform_id", "pk")
            )
            self.accounts_at = time.monotonic()
        return self.accounts

    def concerns(self, event: dict) -> int | None:
        """The account an event concerns: a post answering one of its archived posts, or the
        deletion of an archived post."""
        uri = jetstream_post_uri(event)
        if uri is None:
            return None
        accounts = self._accounts()
        if event["commit"].get("operation") == "delete":
            candidates = [uri]
        else:
            candidates = [u for u in jetstream_replied_to(event) if did_of(u) in accounts]
        if not candidates or not accounts:
            return None
        return selectors.archived_account_for(
            platform=self.platform, platform_ids=candidates, account_ids=accounts.values()
        )

    def handle(self, frame: str | bytes) -> None:
        body = frame.encode() if isinstance(frame, str) else frame
        try:
            event = json.loads(body)
            time_us = int(event["time_us"])
        except (ValueError, KeyError, TypeError):
            logger.warning("jetstream: a frame that is not an event was passed over")
            return
        account_id = self.concerns(event)
        self.cursor = time_us
        if account_id is not None:
            commit = event["commit"]
            intake.stream_delivery_store(
                source=Delivery.Source.JETSTREAM,
                key=f"{event['did']}/{commit['rkey']}/{commit['operation']}/{commit.get('rev', time_us)}",
                account_id=account_id,
                body=body,
                cursor=self.name,
                position=str(time_us),
            )
            self.saved_cursor, self.saved_at = time_us, time.monotonic()
        elif time.monotonic() - self.saved_at > POSITION_EVERY:
            self.save_position()

    def idle(self) -> None:
        if self.cursor != self.saved_cursor:
            self.save_position()

    def save_position(self, error: str | None = None) -> None:
        if self.cursor is None and error is None:
            return
        intake.stream_position_save(
            name=self.name, position=str(self.cursor or ""), error=error if error is not None else ""
        )
        self.saved_cursor, self.saved_at = self.cursor, time.monotonic()


def _jetstream_changes(account, connector, event: dict):
    change = connector.jetstream_event(event)
    return [change] if change is not None else []


intake.INGESTERS[Delivery.Source.JETSTREAM] = lambda delivery: intake.stream_events_ingest(
    delivery, _jetstream_changes
)


# --- Mastodon ---------------------------------------------------------------------------------------


class MastodonStream(Stream):
    """One Mastodon account's notifications (it needs the account's access token): mentions that
    answer an archived status. The position is the newest notification id seen; after a gap the
    REST notifications since it are read before the stream goes on."""

    platform = MastodonConnector.platform

    def __init__(self, account_id: int, streaming_url: str | None = None) -> None:
        self.account_id = account_id
        self.name = f"mastodon:{account_id}"
        self.streaming_url = streaming_url
        self.position = intake.stream_position(name=self.name)
        self.connector: MastodonConnector | None = None

    def url(self) -> str:
        # Built anew for every connection, so that a renewed token is used at once.
        account = ServiceAccount.objects.get(pk=self.account_id)
        self.connector = connector_for(account)
        return self.streaming_url or self.connector.streaming_url()

    def headers(self) -> dict[str, str]:
        return self.connector.streaming_headers() if self.connector else {}

    def opened(self) -> None:
        if not self.position or self.connector is None:
            return
        try:
            for notification in self.connector.notifications_since(self.position):
                self.keep(notification, json.dumps(notification, ensure_ascii=False).encode())
        except ConnectorError as exc:
            # The scheduled harvest reads the threads again; the stream itself goes on.
            logger.warning("stream %s: catching up failed: %s", self.name, exc.message)

    def handle(self, frame: str | bytes) -> None:
        body = frame.encode() if isinstance(frame, str) else frame
        try:
            notification = MastodonConnector.stream_notification(json.loads(body))
        except (ValueError, TypeError, KeyError):
            logger.warning("stream %s: a frame that is not an event was passed over", self.name)
            return
        if notification is not None:
            self.keep(notification, body)

    def keep(self, notification: dict, body: bytes) -> None:
        notification_id = str(notification["id"])
        if self.position and id_key(notification_id) <= id_key(self.position):
            return  # seen before the gap
        status = notification.get("status") or {}
        parent = status.get("in_reply_to_id")
        account_id = (
            selectors.archived_account_for(
                platform=self.platform, platform_ids=[str(parent)], account_ids=[self.account_id]
            )
            if notification.get("type") == "mention" and parent
            else None
        )
        if account_id is None:
            intake.stream_position_save(name=self.name, position=notification_id)
        else:
            intake.stream_delivery_store(
                source=Delivery.Source.MASTODON_STREAM,
                key=f"{self.account_id}:{notification_id}",
                account_id=account_id,
                body=body,
                cursor=self.name,
                position=notification_id,
            )
        self.position = notification_id

    def save_position(self, error: str | None = None) -> None:
        if error is not None:
            intake.stream_position_save(name=self.name, position=self.position, error=error)


def _mastodon_changes(account, connector, message: dict):
    notification = connector.stream_notification(message)
    parent_id = str(((notification or {}).get("status") or {}).get("in_reply_to_id") or "")
    parent = selectors.record_for(account=account, platform_id=parent_id) if parent_id else None
    if notification is None or parent is None:
        return []
    change = connector.notification_event(notification, parent.thread_platform_id or parent.platform_id)
    return [change] if change is not None else []


intake.INGESTERS[Delivery.Source.MASTODON_STREAM] = lambda delivery: intake.stream_events_ingest(
    delivery, _mastodon_changes
)


# --- the process ------------------------------------------------------------------------------------


def streams_configured() -> list[Stream]:
    """The streams this installation needs now."""
    streams: list[Stream] = []
    if (
        settings.STREAMS_JETSTREAM
        and ServiceAccount.objects.filter(
            platform=JetstreamStream.platform, state=AccountState.ACTIVE
        ).exists()
    ):
        streams.append(JetstreamStream())
    if settings.STREAMS_MASTODON:
        accounts = ServiceAccount.objects.filter(
            platform=MastodonStream.platform, state=AccountState.ACTIVE, credentials__name="access_token"
        )
        streams.extend(MastodonStream(pk) for pk in accounts.values_list("pk", flat=True).distinct())
    return streams


def run_all(*, stop: threading.Event) -> None:
    """Run every configured stream in a thread of its own until ``stop`` is set; accounts that
    come to need a stream get one within a minute. (An account that no longer needs one keeps its
    stream until the process restarts: what it brings in is still that account's.)"""
    threads: dict[str, threading.Thread] = {}
    while not stop.is_set():
        try:
            wanted = streams_configured()
        except DatabaseError as exc:
            logger.warning("streams: the database is not answering: %s", exc)
            close_old_connections()
            wanted = []
        for stream in wanted:
            if stream.name in threads and threads[stream.name].is_alive():
                continue

            def target(stream: Stream = stream) -> None:
                try:
                    run_stream(stream, stop=stop.is_set)
                finally:
                    close_old_connections()

            thread = threading.Thread(target=target, name=f"stream-{stream.name}", daemon=True)
            thread.start()
            threads[stream.name] = thread
            logger.info("streams: %s started", stream.name)
        close_old_connections()
        stop.wait(ACCOUNTS_REFRESH)
    for thread in threads.values():
        thread.join(timeout=10)
