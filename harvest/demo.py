"""A Mastodon-compatible demo platform, so that the demo has something to harvest.

Under /demo-plattform/ (only with ``settings.DEMO_PLATFORM``, on by default in development) the
recorded payloads of tests/fixtures/demo/ are served the way a Mastodon instance serves them: the
account, its statuses, each status's context, single statuses and media files. The dates are moved
by whole days so that the newest post is from today; `configure_demo_harvest()` points the demo
municipality's Mastodon account at this feed.
"""

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import services as accounts_services
from accounts.models import ServiceAccount

from .models import HarvestState

DEMO_DIR = Path(settings.BASE_DIR) / "tests" / "fixtures" / "demo"
DEMO_ACCOUNT_ID = "110000000000000001"
PLACEHOLDER_BASE = "https://demo.invalid/demo-plattform"
RECORDED_ON = date(2026, 1, 15)  # the date of the newest recorded post
MEDIA_TYPES = {".png": "image/png"}


def _enabled() -> None:
    if not settings.DEMO_PLATFORM:
        raise Http404


def _shift(value, days: int):
    """Every ``created_at``/``edited_at`` moved by ``days``, so that the demo's posts stay recent."""
    if isinstance(value, list):
        return [_shift(v, days) for v in value]
    if isinstance(value, dict):
        shifted = {}
        for key, v in value.items():
            if key in ("created_at", "edited_at") and isinstance(v, str):
                moved = datetime.fromisoformat(v) + timedelta(days=days)
                shifted[key] = moved.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            else:
                shifted[key] = _shift(v, days)
        return shifted
    return value


def _load(request, name: str):
    try:
        text = (DEMO_DIR / name).read_text("utf-8")
    except FileNotFoundError:
        raise Http404 from None
    text = text.replace(PLACEHOLDER_BASE, request.build_absolute_uri("/demo-plattform").rstrip("/"))
    return _shift(json.loads(text), (timezone.localdate() - RECORDED_ON).days)


def _not_found() -> JsonResponse:
    return JsonResponse({"error": "Record not found"}, status=404)


@require_GET
def account(request, account_id: str):
    _enabled()
    return JsonResponse(_load(request, "account.json")) if account_id == DEMO_ACCOUNT_ID else _not_found()


@require_GET
def lookup(request):
    _enabled()
    return JsonResponse(_load(request, "account.json"))


@require_GET
def statuses(request, account_id: str):
    _enabled()
    if account_id != DEMO_ACCOUNT_ID:
        return _not_found()
    listed = _load(request, "statuses.json")
    since, before = request.GET.get("since_id", ""), request.GET.get("max_id", "")
    if since.isdigit():
        listed = [s for s in listed if int(s["id"]) > int(since)]
    if before.isdigit():
        listed = [s for s in listed if int(s["id"]) < int(before)]
    return JsonResponse(listed, safe=False)


@require_GET
def context(request, status_id: str):
    _enabled()
    if not status_id.isdigit():
        return _not_found()
    if (DEMO_DIR / f"context_{status_id}.json").exists():
        return JsonResponse(_load(request, f"context_{status_id}.json"))
    if _find(request, status_id) is None:
        return _not_found()
    return JsonResponse({"ancestors": [], "descendants": []})


def _find(request, status_id: str):
    everything = list(_load(request, "statuses.json"))
    for file in sorted(DEMO_DIR.glob("context_*.json")):
        everything += _load(request, file.name)["descendants"]
    return next((s for s in everything if s["id"] == status_id), None)


@require_GET
def status(request, status_id: str):
    _enabled()
    found = _find(request, status_id) if status_id.isdigit() else None
    return JsonResponse(found) if found else _not_found()


@require_GET
def media(request, name: str):
    _enabled()
    file = DEMO_DIR / name
    if file.suffix not in MEDIA_TYPES or file.parent != DEMO_DIR or not file.is_file():
        raise Http404
    return FileResponse(file.open("rb"), content_type=MEDIA_TYPES[file.suffix])


urlpatterns = [
    path("api/v1/accounts/lookup", lookup),
    path("api/v1/accounts/<str:account_id>", account),
    path("api/v1/accounts/<str:account_id>/statuses", statuses),
    path("api/v1/statuses/<str:status_id>/context", context),
    path("api/v1/statuses/<str:status_id>", status),
    path("media/<str:name>", media),
]


def configure_demo_harvest(*, site_url: str | None = None) -> ServiceAccount | None:
    """Point the demo municipality's Mastodon account at the demo platform and make its first
    harvest due now (idempotent). Called by the demo seeding; does nothing without DEMO_PLATFORM."""
    if not settings.DEMO_PLATFORM:
        return None
    account = (
        ServiceAccount.objects.filter(platform="mastodon", state="active", handle__startswith="exempelby@")
        .order_by("pk")
        .first()
    )
    if account is None:
        return None
    actor = account.administrators.filter(is_active=True).order_by("pk").first()
    accounts_services.account_update(
        actor=actor,
        account=account,
        platform_id=DEMO_ACCOUNT_ID,
        api_base_url=f"{(site_url or settings.SITE_URL).rstrip('/')}/demo-plattform",
    )
    state, created = HarvestState.objects.get_or_create(account=account)
    if created or state.last_success_at is None:
        state.next_run_at = timezone.now()
        state.save(update_fields=["next_run_at"])
    return account
