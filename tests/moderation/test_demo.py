from moderation.demo import seed_demo_moderation
from moderation.models import Case, Priority


def test_demo_comments_open_cases_once(org):
    first = seed_demo_moderation()
    assert first == Case.objects.count() > 0
    assert seed_demo_moderation() == first
    assert Case.objects.count() == first
    assert Case.objects.filter(has_ground=True, priority=Priority.HIGH).exists()
    assert Case.objects.filter(has_personal_data=True).exists()


def test_f15_demo_has_a_photo_post_waiting_for_its_consent_note(org):
    from moderation.selectors import photos_awaiting_consent

    seed_demo_moderation()
    seed_demo_moderation()
    assert photos_awaiting_consent(user=org.alice).count() == 1  # one per active account, once


def test_n8_demo_has_a_watch_with_hits_one_waiting_for_the_head(org):
    from moderation.demo import seed_demo_monitoring
    from moderation.models import HitState, MonitoringHit, Watch

    assert seed_demo_monitoring() == 3
    assert seed_demo_monitoring() == 3
    watch = Watch.objects.get()
    assert watch.is_active and watch.sources.count() == 2
    assert MonitoringHit.objects.filter(state=HitState.WAITING_FOR_MANAGER).count() == 1


def test_n5_demo_has_a_post_waiting_for_review_a_scheduled_one_and_a_published_one(org):
    from moderation.demo import seed_demo_publishing
    from moderation.models import PostDraft

    assert seed_demo_publishing() == 3
    assert seed_demo_publishing() == 3
    states = sorted(PostDraft.objects.values_list("state", flat=True))
    assert states == ["in_review", "published", "scheduled"]
    assert PostDraft.objects.get(state="in_review").reviewer == org.head
