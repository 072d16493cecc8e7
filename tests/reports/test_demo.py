"""The demo's year of history: through the archive and moderation, the same every time, once."""

from datetime import date

import pytest
from django.test import override_settings

from archive.models import Record
from moderation.models import Case, CaseState
from reports import selectors
from reports.demo import seed_history
from reports.periods import Period
from reports.selectors import Scope

pytestmark = pytest.mark.django_db


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_demo_history_is_meaningful_and_added_once(org):
    added = seed_history(today=date(2026, 3, 20), months=2)
    assert added > 20
    assert Record.objects.count() == added
    assert Case.objects.count() > 5
    assert Case.objects.filter(state=CaseState.ANSWERED).exists()
    figures = selectors.total_figures(period=Period(date(2026, 2, 1), date(2026, 3, 31)), scope=Scope())
    assert figures.posts > 0
    assert figures.questions == Case.objects.count()
    assert figures.comments > figures.questions  # the municipality's replies are records too
    assert figures.answered > 0
    assert figures.median_response is not None
    assert figures.followers is not None

    assert seed_history(today=date(2026, 3, 20), months=2) == 0
    assert Record.objects.count() == added
