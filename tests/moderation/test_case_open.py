"""Every comment from the public opens exactly one case, with flags, a deadline and a priority."""

from datetime import timedelta

from django.core import mail

from archive.models import RecordKind
from moderation.flags import FlagKind, RemovalGround
from moderation.models import Case, CaseEvent, CaseState, FlagRule, Priority
from moderation.services import case_open
from tests.factories import ServiceAccountFactory

from .conftest import ingest_comment, ingest_post, open_case


def test_comment_from_the_public_opens_one_case(org):
    record = ingest_comment(org.account)
    case = case_open(record=record)
    assert case.state == CaseState.NEW
    assert case.department == org.own and case.account == org.account and case.platform == "mastodon"
    assert case_open(record=record) == case
    assert Case.objects.count() == 1
    assert list(case.events.values_list("action", flat=True)) == [CaseEvent.Action.OPENED]


def test_own_posts_and_own_replies_open_no_case(org):
    post = ingest_post(org.account)
    assert case_open(record=post) is None
    own_reply = ingest_comment(org.account, post=post, kind=RecordKind.REPLY, is_own=True)
    assert case_open(record=own_reply) is None
    assert not Case.objects.exists()


def test_reply_from_the_public_opens_a_case(org):
    reply = ingest_comment(org.account, kind=RecordKind.REPLY)
    assert case_open(record=reply) is not None


def test_n21_deadline_is_received_time_plus_promised_response_time(org):
    org.account.response_time = timedelta(hours=4)
    org.account.save(update_fields=["response_time"])
    record = ingest_comment(org.account)
    case = case_open(record=record)
    assert case.deadline == record.published_at + timedelta(hours=4)


def test_f13_personal_data_is_stored_as_flags_with_offsets(org):
    text = "Ring mig på 070-123 45 67 eller mejla eva@example.se"
    case = open_case(org.account, text=text)
    flags = {flag.kind: flag for flag in case.flags.all()}
    assert set(flags) == {FlagKind.PHONE, FlagKind.EMAIL}
    for flag in flags.values():
        assert text[flag.start : flag.end] == flag.matched
        assert flag.explanation
    assert case.has_personal_data


def test_f14_personal_data_raises_priority_on_facebook_and_blogs_only(org):
    text = "Min granne bor på Storgatan 12 och har telefon 08-123 456 78"
    for platform, expected in [
        ("facebook", Priority.HIGH),
        ("rss", Priority.HIGH),
        ("mastodon", Priority.NORMAL),
    ]:
        account = ServiceAccountFactory(department=org.own, platform=platform, admins=[org.alice, org.bob])
        assert open_case(account, text=text).priority == expected, platform


def test_f7_unlawful_content_flag_mails_the_department_communicators_at_once(
    org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(org.account, text="Jag vet var du bor och du ska dö")
    assert case.has_ground and case.priority == Priority.HIGH
    grounds = set(case.flags.filter(kind=FlagKind.GROUND).values_list("ground", flat=True))
    assert grounds == {RemovalGround.UNLAWFUL_THREAT}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([org.alice.email, org.bob.email])
    assert case.get_absolute_url() in message.body
    assert "du ska dö" not in message.body  # the content itself is not mailed around


def test_ordinary_comment_sends_no_mail(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        open_case(org.account, text="Tack för informationen!")
    assert mail.outbox == []


def test_f13_flag_rules_come_from_the_database(org):
    assert FlagRule.objects.filter(ground="unlawful_threat").exists()  # seeded from the defaults
    FlagRule.objects.create(ground=RemovalGround.SECRET_DATA, phrase="diarienummer hemligt")
    from moderation.selectors import flag_rules_bump_version

    flag_rules_bump_version()
    case = open_case(org.account, text="Här är diarienummer hemligt för ärendet")
    assert case.flags.filter(kind=FlagKind.GROUND, ground=RemovalGround.SECRET_DATA).exists()


def test_f15_attached_image_is_flagged_for_a_person_to_check(org):
    case = open_case(
        org.account, text="Titta här", media=[{"url": "https://x.example/a.jpg", "type": "image"}]
    )
    assert case.flags.filter(kind=FlagKind.IMAGE).exists()


def test_flags_of_html_comments_point_into_the_text_a_reader_sees(org):
    case = open_case(org.account, text="<p>Ring <b>070-123 45 67</b></p>", text_format="html")
    flag = case.flags.get(kind=FlagKind.PHONE)
    assert flag.matched == "070-123 45 67"
