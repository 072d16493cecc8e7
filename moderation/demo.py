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


# N8/N9: a watch of the school department with a few hits, one of them waiting for the head.
DEMO_HITS = [
    (
        "rss",
        "https://nyheter.example/2026/skolskjutsen-kritik/",
        "Karin Dahl",
        "Föräldrar kritiska: skolskjutsen kom inte fram i snön\n\nFlera föräldrar i Exempelby säger att "
        "skolskjutsen ställdes in utan besked när snöröjningen inte hann med.",
        5,
    ),
    (
        "mastodon",
        "https://mastodon.social/@exempelbybo/113600000000000777",
        "Exempelbybo",
        '<p>Fin vinterdag vid skolan i Exempelby i dag ❄️ <a href="https://mastodon.social/tags/exempelby" '
        'class="mention hashtag" rel="tag">#<span>exempelby</span></a></p>',
        20,
    ),
    (
        "bluesky",
        "https://bsky.app/profile/foralder.bsky.social/post/3lmondemo1aaa",
        "En förälder",
        "Varför plogas inte gång- och cykelvägen till skolan i Exempelby? Barnen går i vägbanan.",
        2,
    ),
]


@transaction.atomic
def seed_demo_monitoring(*, now=None) -> int:
    """A watch with hits for the first department that has a communicator and a head; returns the
    number of hits it has."""
    from accounts.models import Department, User
    from accounts.roles import Role
    from platforms.base import Author, Item, ItemKind

    from . import monitoring
    from .models import HitState, Watch, WatchSource

    now = now or timezone.now()
    communicators = User.objects.filter(
        groups__name=Role.COMMUNICATOR, is_active=True, department__head__isnull=False
    )
    communicator = communicators.select_related("department").order_by("pk").first()
    if communicator is None:
        return 0
    department: Department = communicator.department
    watch = Watch.objects.filter(department=department, name="Skolan i media").first()
    if watch is None:
        watch = monitoring.watch_save(
            actor=communicator,
            department=department,
            name="Skolan i media",
            terms="skolskjuts\nsnöröjning\nskolan i Exempelby",
            interval_minutes=Watch.Interval.SIX_HOURS,
            sources=[
                monitoring.SourceInput(kind=WatchSource.Kind.MASTODON_TAG, query="exempelby"),
                monitoring.SourceInput(kind=WatchSource.Kind.BLUESKY_SEARCH, query="Exempelby"),
            ],
            account=ServiceAccount.objects.filter(department=department, state=AccountState.ACTIVE).first(),
        )
    # The news article stands for a feed the department has not added: it has no source here.
    sources = {monitoring.SOURCE_PLATFORM[source.kind]: source.pk for source in watch.sources.all()}
    found = []
    for platform, url, author, text, hours in DEMO_HITS:
        source_id = sources.get(platform)
        item = Item(
            kind=ItemKind.POST,
            platform_id=url,
            parent_id=None,
            thread_id=url,
            author=Author(author, "", ""),
            text=text,
            text_format="html" if text.startswith("<") else "plain",
            media=(),
            permalink=url,
            published_at=now - timedelta(hours=hours),
            edited_at=None,
            raw={},
            is_own=False,
        )
        words = monitoring.matched_terms(watch.term_list, text) or ["#exempelby"]
        found.append(monitoring.Found(source_id, platform, item, tuple(words)))
    monitoring.found_store(watch_id=watch.pk, found=found, errors={}, now=now)
    criticism = watch.hits.filter(platform="rss").first()
    if criticism is not None and criticism.state == HitState.NEW and not criticism.events.exists():
        monitoring.hit_mark_discuss(
            actor=communicator, hit=criticism, question="Ska vi bemöta kritiken om skolskjutsen i tidningen?"
        )
    return watch.hits.count()


# Publishing: a draft waiting for review, a scheduled post and a published one, for the department
# of the first communicator whose department has a head and an active account.
DEMO_POSTS = [
    "Skridskobanan på torget spolas i veckan. Vi hoppas kunna öppna den till helgen!",
    "Biblioteket har öppet hus på lördag klockan 11–15. Välkomna!",
    "Nu är vinterns första snöröjning klar på huvudgatorna. Tack för ert tålamod.",
]


@transaction.atomic
def seed_demo_publishing(*, now=None) -> int:
    """Three posts in three states; returns the number of posts the department has."""
    from accounts.models import User
    from accounts.roles import Role

    from . import publishing
    from .models import PostDraft

    now = now or timezone.now()
    communicator = (
        User.objects.filter(groups__name=Role.COMMUNICATOR, is_active=True, department__head__isnull=False)
        .select_related("department__head")
        .order_by("pk")
        .first()
    )
    if communicator is None:
        return 0
    department = communicator.department
    account = (
        ServiceAccount.objects.filter(department=department, state=AccountState.ACTIVE).order_by("pk").first()
    )
    if account is None:
        return 0
    posts = PostDraft.objects.filter(department=department)
    if posts.exists():
        return posts.count()
    reviewer = department.head

    def compose(text):
        return publishing.post_draft_save(
            actor=communicator, department=department, accounts=[account], text=text
        )

    def approved(text):
        draft = compose(text)
        publishing.post_send_for_review(actor=communicator, draft=draft, reviewer=reviewer)
        publishing.post_review(actor=reviewer, draft=draft, approve=True, note="Ser bra ut.")
        draft.refresh_from_db()
        return draft

    waiting = compose(DEMO_POSTS[0])
    publishing.post_send_for_review(actor=communicator, draft=waiting, reviewer=reviewer)
    scheduled = approved(DEMO_POSTS[1])
    tomorrow = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    publishing.post_schedule(actor=communicator, draft=scheduled, publish_at=tomorrow)
    # The demo platform only reads, so the published post is one published by hand, with its address.
    published = approved(DEMO_POSTS[2])
    target = published.targets.get()
    target.state = target.State.MANUAL
    target.save(update_fields=["state"])
    published.state = PostDraft.State.PUBLISHING
    published.save(update_fields=["state"])
    publishing.post_target_record_manual(
        actor=communicator,
        target=target,
        permalink=f"{settings.SITE_URL.rstrip('/')}/demo-plattform/snorojning",
    )
    return posts.count()
