"""The demo municipality: departments, people in every role and accounts in every state.

Built through the same services as real work, so the demo obeys the rules, and
idempotent: a second run changes nothing.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from . import services
from .models import AccountState, Credential, Department, ServiceAccount, User
from .roles import Role

DEMO_PASSWORD = "smgov-demo-2026"  # noqa: S105 - printed for the demo on purpose

DEPARTMENTS = [
    ("KS", "Kommunstyrelseförvaltningen"),
    ("BUN", "Barn- och utbildningsförvaltningen"),
    ("KFN", "Kultur- och fritidsförvaltningen"),
    ("SBN", "Samhällsbyggnadsförvaltningen"),
]

# username, first, last, title, department, roles, trained
PEOPLE = [
    ("karin.lund", "Karin", "Lund", "Kommundirektör", "KS", [Role.HEAD_OF_DEPARTMENT], True),
    (
        "maria.nilsson",
        "Maria",
        "Nilsson",
        "Webbkommunikatör",
        "KS",
        [Role.WEB_COMMUNICATOR, Role.COMMUNICATOR],
        True,
    ),
    ("ida.strom", "Ida", "Ström", "Informationschef", "KS", [Role.INFORMATION_UNIT], True),
    ("lena.karlsson", "Lena", "Karlsson", "Kommunregistrator", "KS", [Role.MUNICIPAL_REGISTRAR], True),
    ("ahmed.hassan", "Ahmed", "Hassan", "Kommunikatör", "KS", [Role.COMMUNICATOR], True),
    ("johan.ahl", "Johan", "Åhl", "Förvaltningschef", "BUN", [Role.HEAD_OF_DEPARTMENT], True),
    ("anna.berg", "Anna", "Berg", "Kommunikatör", "BUN", [Role.COMMUNICATOR], True),
    ("erik.holm", "Erik", "Holm", "Kommunikatör", "BUN", [Role.COMMUNICATOR], True),
    ("per.svensson", "Per", "Svensson", "Registrator", "BUN", [Role.REGISTRAR], True),
    ("sofia.ek", "Sofia", "Ek", "Förvaltningschef", "KFN", [Role.HEAD_OF_DEPARTMENT], True),
    ("sara.lind", "Sara", "Lind", "Kommunikatör", "KFN", [Role.COMMUNICATOR], True),
    ("david.bergstrom", "David", "Bergström", "Bibliotekarie", "KFN", [Role.COMMUNICATOR], True),
    ("nora.olsson", "Nora", "Olsson", "Registrator", "KFN", [Role.REGISTRAR], True),
    ("mats.fors", "Mats", "Fors", "Förvaltningschef", "SBN", [Role.HEAD_OF_DEPARTMENT], True),
    ("olof.ek", "Olof", "Ek", "Kommunikatör", "SBN", [Role.COMMUNICATOR], True),
    ("elin.sjo", "Elin", "Sjö", "Kommunikatör", "SBN", [Role.COMMUNICATOR], True),
    ("tove.ahlin", "Tove", "Ahlin", "Registrator", "SBN", [Role.REGISTRAR], True),
    ("nils.nyberg", "Nils", "Nyberg", "Praktikant", "SBN", [Role.COMMUNICATOR], False),
]


@dataclass(frozen=True)
class DemoAccount:
    department: str
    platform: str
    name: str
    handle: str
    profile_url: str
    admins: tuple[str, str]
    final_state: str
    purpose: str
    audience: str
    parent: str | None = None
    response_hours: int = 24
    api_base_url: str = ""


ACCOUNTS = [
    DemoAccount(
        "KS",
        "facebook",
        "Exempelby kommun",
        "exempelbykommun",
        "https://www.facebook.com/exempelbykommun",
        ("maria.nilsson", "ahmed.hassan"),
        AccountState.ACTIVE,
        "Kommunens officiella sida: nyheter, kriser och service till invånarna.",
        "Alla invånare i Exempelby.",
    ),
    DemoAccount(
        "KS",
        "youtube",
        "Exempelby kommun",
        "@exempelbykommun",
        "https://www.youtube.com/@exempelbykommun",
        ("maria.nilsson", "ahmed.hassan"),
        AccountState.ACTIVE,
        "Filmer om kommunens service, byggprojekt och evenemang.",
        "Invånare och besökare.",
        parent="Exempelby kommun/facebook",
    ),
    DemoAccount(
        "KS",
        "bluesky",
        "Exempelby kommun",
        "exempelby.se",
        "https://bsky.app/profile/exempelby.se",
        ("maria.nilsson", "ahmed.hassan"),
        AccountState.ACTIVE,
        "Nyheter från kommunen på Bluesky.",
        "Invånare och journalister.",
        parent="Exempelby kommun/facebook",
        response_hours=48,
    ),
    DemoAccount(
        "KS",
        "mastodon",
        "Exempelby kommun",
        "exempelby@social.exempelby.se",
        "https://social.exempelby.se/@exempelby",
        ("maria.nilsson", "ahmed.hassan"),
        AccountState.ACTIVE,
        "Nyheter från kommunen i det öppna fediversumet.",
        "Invånare och journalister.",
        parent="Exempelby kommun/facebook",
        response_hours=48,
    ),
    DemoAccount(
        "BUN",
        "facebook",
        "Exempelby kommun – Skola och förskola",
        "exempelbyskola",
        "https://www.facebook.com/exempelbyskola",
        ("anna.berg", "erik.holm"),
        AccountState.ACTIVE,
        "Information till vårdnadshavare om skola, förskola och skolval.",
        "Vårdnadshavare och elever.",
        parent="Exempelby kommun/facebook",
    ),
    DemoAccount(
        "BUN",
        "youtube",
        "Exempelby kommun – Skolan berättar",
        "@exempelbyskolan",
        "https://www.youtube.com/@exempelbyskolan",
        ("anna.berg", "erik.holm"),
        AccountState.REQUESTED,
        "Filmer om skolval och elevernas projekt.",
        "Elever och vårdnadshavare.",
    ),
    DemoAccount(
        "KFN",
        "instagram",
        "Exempelby bibliotek",
        "exempelbybibliotek",
        "https://www.instagram.com/exempelbybibliotek",
        ("sara.lind", "david.bergstrom"),
        AccountState.ACTIVE,
        "Boktips, evenemang och öppettider på biblioteken.",
        "Låntagare, unga vuxna.",
        parent="Exempelby kommun/facebook",
    ),
    DemoAccount(
        "KFN",
        "rss",
        "Biblioteksbloggen – Exempelby kommun",
        "biblioteksbloggen",
        "https://bibliotek.exempelby.se/blogg/",
        ("sara.lind", "david.bergstrom"),
        AccountState.ACTIVE,
        "Bibliotekariernas blogg om läsning och evenemang.",
        "Läsintresserade invånare.",
        response_hours=72,
    ),
    DemoAccount(
        "KFN",
        "bluesky",
        "Exempelby kultur och fritid",
        "kultur.exempelby.se",
        "https://bsky.app/profile/kultur.exempelby.se",
        ("sara.lind", "david.bergstrom"),
        AccountState.RETURNED,
        "Evenemang inom kultur och fritid.",
        "Unga vuxna.",
    ),
    DemoAccount(
        "SBN",
        "facebook",
        "Exempelby kommun – Samhällsbyggnad",
        "exempelbysbf",
        "https://www.facebook.com/exempelbysbf",
        ("olof.ek", "elin.sjo"),
        AccountState.PAUSED,
        "Driftinformation om gator, snöröjning och vatten.",
        "Invånare och företag.",
        parent="Exempelby kommun/facebook",
    ),
    DemoAccount(
        "SBN",
        "instagram",
        "Exempelby kommun – Stadsutveckling",
        "exempelbystad",
        "https://www.instagram.com/exempelbystad",
        ("olof.ek", "elin.sjo"),
        AccountState.APPROVED,
        "Bilder från stadens byggprojekt.",
        "Invånare.",
    ),
    DemoAccount(
        "SBN",
        "youtube",
        "Exempelby kommun – Byggfilmer",
        "@exempelbybygg",
        "https://www.youtube.com/@exempelbybygg",
        ("olof.ek", "elin.sjo"),
        AccountState.REJECTED,
        "Filmer om bygglov.",
        "Byggherrar.",
    ),
    DemoAccount(
        "SBN",
        "mastodon",
        "Exempelby kommun – Gata och park",
        "gatapark@social.exempelby.se",
        "https://social.exempelby.se/@gatapark",
        ("olof.ek", "elin.sjo"),
        AccountState.RETIRED,
        "Driftinformation (ersatt av Facebooksidan).",
        "Invånare.",
    ),
]


def _people() -> dict[str, User]:
    departments = {
        code: Department.objects.get_or_create(series_code=code, defaults={"name": name})[0]
        for code, name in DEPARTMENTS
    }
    people = {}
    for username, first, last, title, dept, roles, trained in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "title": title,
                "email": f"{username}@exempelby.se",
                "department": departments[dept],
                "trained_on": date(2026, 1, 15) if trained else None,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(*Group.objects.filter(name__in=roles))
        people[username] = user
        if Role.HEAD_OF_DEPARTMENT in roles and departments[dept].head_id is None:
            departments[dept].head = user
            departments[dept].save(update_fields=["head"])
    return people


def _walk_to(account: ServiceAccount, target: str, people: dict[str, User], spec: DemoAccount) -> None:
    head = account.department.head
    requester = people[spec.admins[0]]
    if target == AccountState.REQUESTED:
        return
    if target in (AccountState.RETURNED, AccountState.REJECTED):
        decision = "return" if target == AccountState.RETURNED else "reject"
        services.account_decide(
            actor=head,
            account=account,
            decision=decision,
            comment="Beskriv hur kontot ska bemannas på helger.",
        )
        return
    services.account_decide(actor=head, account=account, decision="approve", comment="")
    if target == AccountState.APPROVED:
        return
    services.account_activate(actor=requester, account=account)
    services.account_mark_checked(actor=requester, account=account)
    if target == AccountState.PAUSED:
        services.account_pause(actor=requester, account=account, comment="Paus under omorganisation.")
    elif target == AccountState.RETIRED:
        services.account_retire(actor=requester, account=account, comment="Ersatt av Facebooksidan.")


# account key, kind, days until it expires (None: never), last connection error ("" = it works)
CREDENTIALS = [
    ("Exempelby kommun/facebook", "access_token", 10, ""),
    ("Exempelby kommun/mastodon", "access_token", None, ""),
    ("Exempelby kommun/youtube", "key", None, ""),
    (
        "Exempelby kommun – Skola och förskola/facebook",
        "access_token",
        45,
        "OAuthException 190: Error validating access token: the session has been invalidated.",
    ),
    ("Exempelby bibliotek/instagram", "access_token", 55, ""),
]


def _credentials(created: dict[str, ServiceAccount], people: dict[str, User]) -> None:
    """Demo secrets with token health: one expires soon, one fails. Only made once."""
    now = timezone.now()
    for key, kind, days, error in CREDENTIALS:
        account = created[key]
        if Credential.objects.filter(account=account, name=kind).exists():
            continue
        services.credential_set(
            actor=people["ida.strom"],
            account=account,
            name=kind,
            secret=f"demo-{kind}-{account.pk}-not-a-real-token",
            expires_at=now + timedelta(days=days) if days is not None else None,
        )
        services.credential_record_result(account, ok=True, name=kind, now=now - timedelta(hours=2))
        if error:
            services.credential_record_result(account, ok=False, error=error, name=kind, now=now)


@transaction.atomic
def seed_demo() -> dict[str, User]:
    people = _people()
    created = {}
    for spec in ACCOUNTS:
        key = f"{spec.name}/{spec.platform}"
        account = ServiceAccount.objects.filter(display_name=spec.name, platform=spec.platform).first()
        if account is None:
            requester = people[spec.admins[0]]
            account = services.account_request_submit(
                actor=requester,
                department=requester.department,
                platform=spec.platform,
                display_name=spec.name,
                handle=spec.handle,
                profile_url=spec.profile_url,
                purpose=spec.purpose,
                target_audience=spec.audience,
                goals=spec.purpose,
                channel_rationale="Målgruppen finns här och kanalen når dem snabbare än webben.",
                resources="Två utbildade administratörer som turas om, även under semestrar.",
                graphic_profile_confirmed=True,
                municipality_is_sender=True,
                administrators=[people[name] for name in spec.admins],
                response_time=timedelta(hours=spec.response_hours),
                response_time_text=f"Vi svarar på frågor inom {spec.response_hours} timmar på vardagar.",
                parent=created.get(spec.parent),
            )
            _walk_to(account, spec.final_state, people, spec)
        created[key] = account
    _credentials(created, people)
    return people
