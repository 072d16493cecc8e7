"""Demo comments for the inbox: realistic Swedish questions and remarks on the active demo accounts,
brought in the way the harvest brings them (archive ingest, then case_open), so flags, deadlines and
priorities are computed for real. Idempotent: the same platform ids are upserted again."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import AccountState, ServiceAccount
from archive.models import RecordKind
from archive.services import IncomingItem, record_ingest

from .services import case_open

POSTS = [
    "Nu startar vinterns snöröjning. Vi plogar huvudgatorna först, sedan bostadsgatorna.",
    "Välkommen till öppet hus på biblioteket på lördag klockan 11–15!",
    "Ansökan till förskoleklass öppnar den 15 januari. Läs mer på vår webbplats.",
]

# (hours ago, author, text, media)
COMMENTS = [
    (2, "Eva Lindqvist", "När plogas Björkvägen? Vi kommer inte ut med bilen.", []),
    (
        5,
        "Jonas Berg",
        "Min son har personnummer 201203152384, kan ni kolla hans plats i kön? Ring mig på 070-123 45 67.",
        [],
    ),
    (30, "Karin Sjöberg", "Tack för snabbt svar igår, jättebra!", []),
    (40, "Anonym", "Jag vet var du bor, du ska dö om ni inte plogar vår gata.", []),
    (50, "Peter Holm", "Skolmaten är usel och ingen lyssnar. Ni borde skämmas!", []),
    (
        1,
        "Lisa Öberg",
        "Bor på Storgatan 12 och undrar varför soptunnan inte tömts. Mejla mig: lisa.oberg@example.se",
        [],
    ),
    (
        3,
        "Ahmed Ali",
        "Finns det parkering vid biblioteket? Här är en bild på skylten.",
        [{"url": "skylt.png", "type": "image"}],
    ),
    (80, "Maja Ek", "Läs mer här: http://example.org/gratis-erbjudande", []),
]


def _demo_media(name: str) -> str:
    """A picture served by the demo platform on this server, so the harvest never fetches from outside."""
    return f"{settings.SITE_URL.rstrip('/')}/demo-plattform/media/{name}"


def _accounts():
    return list(ServiceAccount.objects.filter(state=AccountState.ACTIVE).order_by("pk"))


@transaction.atomic
def seed_demo_moderation(*, now=None) -> int:
    """Comments (and their cases) on every active demo account; returns the number of cases."""
    now = now or timezone.now()
    cases = 0
    for account in _accounts():
        key = f"demo-{account.platform}-{account.pk}"
        posts = []
        for number, text in enumerate(POSTS[:2] if account.platform != "rss" else POSTS[2:]):
            posts.append(
                record_ingest(
                    account=account,
                    item=IncomingItem(
                        platform_id=f"{key}-post-{number}",
                        kind=RecordKind.POST,
                        is_own=True,
                        published_at=now - timedelta(days=6 - number),
                        text=text,
                        author_name=account.display_name,
                    ),
                ).record
            )
        # F15: a post with a photo, waiting for its consent note.
        record_ingest(
            account=account,
            item=IncomingItem(
                platform_id=f"{key}-photo",
                kind=RecordKind.POST,
                is_own=True,
                published_at=now - timedelta(days=2),
                text="Våra nya snöplogare på plats vid kommunförrådet. Tack för att ni håller gatorna öppna!",
                author_name=account.display_name,
                media=[
                    {
                        "url": _demo_media("plogare.png"),
                        "type": "image",
                        "alt_text": "Tre förare framför en plogbil",
                    }
                ],
            ),
        )
        for number, (hours, author, text, media) in enumerate(COMMENTS):
            post = posts[number % len(posts)]
            record = record_ingest(
                account=account,
                item=IncomingItem(
                    platform_id=f"{key}-comment-{number}",
                    kind=RecordKind.COMMENT,
                    parent_platform_id=post.platform_id,
                    thread_platform_id=post.platform_id,
                    published_at=now - timedelta(hours=hours),
                    text=text,
                    author_name=author,
                    media=[{**entry, "url": _demo_media(entry["url"])} for entry in media],
                ),
            ).record
            if case_open(record=record) is not None:
                cases += 1
    return cases
