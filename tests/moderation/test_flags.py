import unicodedata

import pytest
from django.utils import translation

from moderation import flags as flag_texts
from moderation.default_rules import DEFAULT_PATTERNS, DEFAULT_PHRASES
from moderation.flags import (
    DEFAULT_RULES,
    GROUNDS,
    Flag,
    FlagKind,
    KeywordRule,
    RemovalGround,
    find_grounds,
    find_links,
    find_personal_data,
    flag_text,
    is_valid_personal_id,
    luhn_ok,
)


def luhn_digit(nine: str) -> str:
    """The check digit that completes a nine-digit YYMMDDNNN."""
    total = 0
    for position, char in enumerate(nine):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def pnr(yymmdd: str, serial: str = "238", sep: str = "-", century: str = "") -> str:
    return f"{century}{yymmdd}{sep}{serial}{luhn_digit(yymmdd + serial)}"


def wrong_check(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def kinds(text: str, kind: FlagKind) -> list[str]:
    return [flag.matched for flag in flag_text(text) if flag.kind == kind]


def assert_offsets(text: str, flags: list[Flag]) -> None:
    for flag in flags:
        assert text[flag.start : flag.end] == flag.matched


# --- Luhn ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("8112289874", True),
        ("1212121212", True),
        ("7010632391", True),
        ("8112289875", False),
        ("79927398713", True),
        ("", False),
        ("81122898a4", False),
    ],
)
def test_luhn_ok(digits, ok):
    assert luhn_ok(digits) is ok


# --- F14: personal identity and coordination numbers ----------------------------------------------------

VALID_PERSONAL_IDS = [
    "19121212-1212",  # Skatteverket's test number
    "121212-1212",
    "121212+1212",  # born 1912: the "+" marks 100 years or older
    "811228-9874",
    "8112289874",
    "811228 9874",
    "19811228-9874",
    "198112289874",
    "19811228 9874",
    pnr("850709"),
    pnr("850709", sep=""),
    pnr("850709", sep=" "),
    pnr("850709", century="19"),
    pnr("850709", century="19", sep=""),
    pnr("000229"),  # 2000 was a leap year
    pnr("040229", sep="+"),  # 1904 was a leap year
    pnr("200229", century="20"),
    pnr("960229", century="18"),  # 1896 was a leap year
    pnr("991231", serial="001"),
    pnr("010101", serial="999"),
]


@pytest.mark.parametrize("number", VALID_PERSONAL_IDS)
def test_f14_personal_identity_number_flagged(number):
    text = f"Mitt personnummer är {number}, ring mig."
    flags = find_personal_data(text)
    assert [(flag.kind, flag.matched) for flag in flags] == [(FlagKind.PERSONAL_ID, number)]
    assert_offsets(text, flags)
    assert is_valid_personal_id(number)


INVALID_PERSONAL_IDS = [
    pytest.param(wrong_check("811228-9874"), id="check-digit"),
    pytest.param(wrong_check("19121212-1212"), id="check-digit-12"),
    pytest.param(wrong_check(pnr("850709", sep="")), id="check-digit-no-separator"),
    pytest.param(pnr("990231"), id="february-31"),
    pytest.param(pnr("990230"), id="february-30"),
    pytest.param(pnr("990229"), id="february-29-not-leap"),
    pytest.param(pnr("000229", sep="+"), id="february-29-1900"),
    pytest.param(pnr("000229", century="19"), id="february-29-1900-12"),
    pytest.param(pnr("991301"), id="month-13"),
    pytest.param(pnr("990001"), id="month-0"),
    pytest.param(pnr("990100"), id="day-0"),
    pytest.param(pnr("990431"), id="april-31"),
    pytest.param(pnr("121212", century="17"), id="century-17"),
    pytest.param(pnr("121212", century="21"), id="century-21"),
    pytest.param(pnr("121212", century="19", sep="+"), id="plus-with-century"),
]


@pytest.mark.parametrize("number", INVALID_PERSONAL_IDS)
def test_f14_invalid_personal_identity_number_not_flagged(number):
    text = f"Nummer: {number}"
    assert kinds(text, FlagKind.PERSONAL_ID) == []
    assert kinds(text, FlagKind.COORDINATION_NUMBER) == []
    assert not is_valid_personal_id(number)


VALID_COORDINATION_NUMBERS = [
    "701063-2391",
    "7010632391",
    "19701063-2391",
    pnr("010161"),  # day 1
    pnr("010191"),  # day 31
    pnr("000289"),  # 29 February 2000
    pnr("850769", century="19", sep=""),
]


@pytest.mark.parametrize("number", VALID_COORDINATION_NUMBERS)
def test_f14_coordination_number_flagged(number):
    text = f"Samordningsnummer {number}."
    flags = find_personal_data(text)
    assert [(flag.kind, flag.matched) for flag in flags] == [(FlagKind.COORDINATION_NUMBER, number)]
    assert_offsets(text, flags)
    assert is_valid_personal_id(number)


@pytest.mark.parametrize(
    "number",
    [
        pytest.param(wrong_check("701063-2391"), id="check-digit"),
        pytest.param(pnr("010192"), id="day-32"),
        pytest.param(pnr("010160"), id="day-0"),
        pytest.param(pnr("010290"), id="february-30"),
        pytest.param(pnr("990289"), id="february-29-not-leap"),
        pytest.param(pnr("010431"), id="between-ids-and-coordination"),
    ],
)
def test_f14_invalid_coordination_number_not_flagged(number):
    assert find_personal_data(f"Nummer {number}") == []
    assert not is_valid_personal_id(number)


@pytest.mark.parametrize(
    "text",
    [
        "Ordernummer 8112289874123",
        "Konto 3481122898740",
        "OCR 12811228-9874",
        "Referens 811228-98741",
        "Faktura 1-811228-9874",
        "Serie 811228-9874-2",
        "Klarna 1198112289874",
    ],
)
def test_f14_personal_identity_number_inside_longer_number_not_flagged(text):
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("  19121212-1212 ", True),
        ("19121212-1212 och mer", False),
        ("personnummer", False),
        ("", False),
    ],
)
def test_is_valid_personal_id_checks_the_whole_string(text, valid):
    assert is_valid_personal_id(text) is valid


# --- F14: phone numbers ---------------------------------------------------------------------------------

PHONES = [
    "070-123 45 67",
    "0701234567",
    "070 123 45 67",
    "070-1234567",
    "+46 70 123 45 67",
    "+46701234567",
    "+46 (0)70-123 45 67",
    "+46-70-123 45 67",
    "0046 70 123 45 67",
    "0046701234567",
    "08-123 456 78",
    "08-12 34 56",
    "08 - 123 456 78",
    "(08) 123 456 78",
    "+46 8 123 456 78",
    "031-12 34 56",
    "031-123 45 67",
    "054-17 20 00",
    "0550-123 45",
    "0550-12 34 56",
    "010-123 45 67",
    "020-12 34 56",
]


@pytest.mark.parametrize("phone", PHONES)
def test_f14_phone_number_flagged(phone):
    text = f"Ring mig på {phone} i morgon."
    flags = find_personal_data(text)
    assert [(flag.kind, flag.matched) for flag in flags] == [(FlagKind.PHONE, phone)]
    assert_offsets(text, flags)


@pytest.mark.parametrize(
    "text",
    [
        "Mötet är 2026-11-27 kl. 18.",
        "Mötet är 27-11-2026.",
        "Öppet 08:30-16:00",
        "Öppet 08.30-16.00",
        "Öppet 0830-1600",
        "Budgeten är 1 000 000 kr",
        "Det kostar 050 000 kr",
        "Postnummer 123 45 Forshaga",
        "Org.nr 212000-1355",
        "Bankgiro 5050-1055",
        "Nummer 070-12",
        "Nummer 07012345678901",
        "Nummer 0012345678",
        "US +1 202 555 0123",
        "Kod 12070123456",
    ],
)
def test_f14_not_a_phone_number(text):
    assert kinds(text, FlagKind.PHONE) == []


def test_f14_personal_identity_number_is_not_also_a_phone_number():
    number = pnr("070123", serial="456")  # a personal id that also looks like a mobile number
    flags = find_personal_data(f"Nr {number}")
    assert [flag.kind for flag in flags] == [FlagKind.PERSONAL_ID]


def test_f14_phone_number_after_a_rejected_number_still_flagged():
    text = "Order 0123 070-123 45 67 tack"
    assert "070-123 45 67" in kinds(text, FlagKind.PHONE)


def test_f14_several_numbers_in_one_comment():
    text = "Pnr 811228-9874, mobil 0701234567, hem 08-12 34 56 och 19121212-1212."
    flags = find_personal_data(text)
    assert [(flag.kind, flag.matched) for flag in flags] == [
        (FlagKind.PERSONAL_ID, "811228-9874"),
        (FlagKind.PHONE, "0701234567"),
        (FlagKind.PHONE, "08-12 34 56"),
        (FlagKind.PERSONAL_ID, "19121212-1212"),
    ]
    assert_offsets(text, flags)


# --- F14: e-mail and addresses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("Mejla anna.svensson@forshaga.se tack", "anna.svensson@forshaga.se"),
        ("Skriv till kalle+kommun@example.com.", "kalle+kommun@example.com"),
        ("(info@nykoping.se)", "info@nykoping.se"),
        ("åsa.öberg@exempel.se", "åsa.öberg@exempel.se"),
        ("Till: first.last@mail.kommun.example.org,", "first.last@mail.kommun.example.org"),
    ],
)
def test_f14_email_flagged(text, email):
    flags = [flag for flag in find_personal_data(text) if flag.kind == FlagKind.EMAIL]
    assert [flag.matched for flag in flags] == [email]
    assert_offsets(text, flags)


@pytest.mark.parametrize("text", ["@forshaga på Instagram", "till anna@", "kalle@localhost", "a @ b.se"])
def test_f14_not_an_email(text):
    assert kinds(text, FlagKind.EMAIL) == []


ADDRESSES = [
    ("Han bor på Storgatan 12.", "Storgatan 12"),
    ("Hon bor på Drottninggatan 5B, två trappor", "Drottninggatan 5B"),
    ("Adress: Kvarnvägen 3 lgh 1102", "Kvarnvägen 3 lgh 1102"),
    ("Östra Torggatan 4 är hennes adress", "Östra Torggatan 4"),
    ("Skicka till Storgatan 12, 123 45 Forshaga", "Storgatan 12, 123 45 Forshaga"),
    ("Skicka till Sveavägen 44 111 34 Stockholm", "Sveavägen 44 111 34 Stockholm"),
    ("de bor på storgatan 12", "storgatan 12"),
    ("Mellangränd 2", "Mellangränd 2"),
    ("Lindallén 14 A", "Lindallén 14 A"),
    ("Ekstigen 9", "Ekstigen 9"),
    ("Kyrkbacken 7", "Kyrkbacken 7"),
    ("Järntorget 2", "Järntorget 2"),
    ("Stureplan 4", "Stureplan 4"),
    ("Ringleden 10", "Ringleden 10"),
    ("Norra Strandgatan 3-5", "Norra Strandgatan 3-5"),
]


@pytest.mark.parametrize(("text", "address"), ADDRESSES)
def test_f14_street_address_flagged(text, address):
    flags = [flag for flag in find_personal_data(text) if flag.kind == FlagKind.ADDRESS]
    assert [flag.matched for flag in flags] == [address]
    assert_offsets(text, flags)


@pytest.mark.parametrize(
    "text",
    [
        "Vägarbetet på Storgatan stör",
        "Gatan 5 gånger i veckan",
        "Ny detaljplan 12 för Kvarnen",
        "Detaljplan 12 är ute på samråd",
        "Handlingsplan 2026",
        "Kvarnvägen 3 km bort",
        "Backen 2 gånger om dagen",
        "Vi åkte i backen 2 timmar",
        "Torget 3",
    ],
)
def test_f14_not_a_street_address(text):
    assert kinds(text, FlagKind.ADDRESS) == []


# --- Links ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("Läs https://www.nykoping.se/synpunkt.", ["https://www.nykoping.se/synpunkt"]),
        ("Se http://example.com/a?b=1&c=2, tack", ["http://example.com/a?b=1&c=2"]),
        ("(www.forshaga.se)", ["www.forshaga.se"]),
        (
            "Se https://sv.wikipedia.org/wiki/Forshaga_(ort)!",
            ["https://sv.wikipedia.org/wiki/Forshaga_(ort)"],
        ),
        ("Två: www.a.se och HTTPS://B.SE/x", ["www.a.se", "HTTPS://B.SE/x"]),
        ("Mejla info@www.example.se", []),
        ("Ingen länk här, bara forshaga.se", []),
    ],
)
def test_link_flagged_for_review(text, links):
    flags = find_links(text)
    assert [flag.matched for flag in flags] == links
    assert all(flag.kind == FlagKind.LINK for flag in flags)
    assert_offsets(text, flags)


# --- F7 / N14: removal grounds --------------------------------------------------------------------------

GROUND_HITS = [
    ("Jag ska döda dig", RemovalGround.UNLAWFUL_THREAT, "Jag ska döda"),
    ("DU SKA DÖ!!", RemovalGround.UNLAWFUL_THREAT, "DU SKA DÖ"),
    ("Vi vet var du bor, Kalle.", RemovalGround.UNLAWFUL_THREAT, "vet var du bor"),
    ("Det ligger en bomb i stadshuset", RemovalGround.UNLAWFUL_THREAT, "bomb"),
    ("jag  skall\nmörda honom", RemovalGround.UNLAWFUL_THREAT, "jag  skall\nmörda honom"),
    ("Ta till vapen mot kommunen!", RemovalGround.INCITEMENT, "Ta till vapen"),
    ("Vi borde storma kommunhuset", RemovalGround.INCITEMENT, "storma kommunhuset"),
    ("Jävla svartskallar", RemovalGround.AGITATION, "svartskallar"),
    ("Sieg Heil", RemovalGround.AGITATION, "Sieg Heil"),
    ("blattejävlar överallt", RemovalGround.AGITATION, "blattejävlar"),
    ("Här finns BARNPORREN", RemovalGround.CSAM, "BARNPORREN"),
    ("länk till övergreppsmaterial", RemovalGround.CSAM, "övergreppsmaterial"),
    ("Kolla halshuggningsvideon", RemovalGround.UNLAWFUL_VIOLENCE, "halshuggningsvideon"),
    ("Piratkopierade filmer här", RemovalGround.COPYRIGHT, "Piratkopierade"),
    ("Ladda ner gratis nu", RemovalGround.COPYRIGHT, "Ladda ner gratis"),
    ("Här är nakenbilder på henne", RemovalGround.PRIVACY_VIOLATION, "nakenbilder på"),
    ("Hämndporr är vidrigt", RemovalGround.PRIVACY_VIOLATION, "Hämndporr"),
    ("Han blev självmordsbombare", RemovalGround.TERROR_INCITEMENT, "självmordsbombare"),
    ("Res er i heligt krig", RemovalGround.TERROR_INCITEMENT, "heligt krig"),
]


@pytest.mark.parametrize(("text", "ground", "matched"), GROUND_HITS)
def test_f7_threat_phrase_flagged(text, ground, matched):
    flags = find_grounds(text, DEFAULT_RULES)
    assert [(flag.kind, flag.ground, flag.matched) for flag in flags] == [(FlagKind.GROUND, ground, matched)]
    assert_offsets(text, flags)
    assert flags[0].explanation == GROUNDS[ground].explanation


@pytest.mark.parametrize(
    "text",
    [
        "Jag ska döda dig",
        "Barnporr",
        "Hämndporr",
        "Du ska dö",
        "Vi vet var du bor",
    ],
)
def test_f7_decomposed_swedish_letters_still_match(text):
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text or "ö" not in text
    flags = find_grounds(decomposed, DEFAULT_RULES)
    assert len(flags) == 1
    assert_offsets(decomposed, flags)


ORDINARY_COMMENTS = [
    "När öppnar badhuset igen efter renoveringen?",
    "Tack för snabbt svar! /Anna",
    "Vägarbetet på Storgatan stör oss som bor här.",
    "Vi ska skjuta upp mötet till nästa vecka.",
    "Kommer ni att spränga berget vid nya skolan?",
    "Det var en bombastisk konsert i parken.",
    "Hur söker jag försörjningsstöd?",
    "Detaljplanen för Kvarnen väcker frågor.",
    "Dö inte av tristess, kom till biblioteket!",
    "Barnen älskar den nya lekplatsen.",
    "Vem tar hand om snöröjningen i backen?",
    "Hon dödade tid på biblioteket.",
    "Goretex-jackor i hittegodset.",
    "Vi vill ha fler bänkar på torget.",
    "Jag hörde att Islamiska förbundet ordnar en fika.",
]


@pytest.mark.parametrize("text", ORDINARY_COMMENTS)
def test_f7_ordinary_comment_not_flagged(text):
    assert find_grounds(text, DEFAULT_RULES) == []


@pytest.mark.parametrize(
    "text",
    ["bombastiskt", "Bombay", "jihadisten", "lvmh", "gores", "blåbärsbomb-glass"],
)
def test_f7_no_match_inside_a_longer_word(text):
    assert find_grounds(text, DEFAULT_RULES) == []


def test_f13_secret_information_flagged():
    text = "Alla vet att familjen har skyddad identitet och att barnen är familjehemsplacerade."
    flags = find_grounds(text, DEFAULT_RULES)
    assert [(flag.ground, flag.matched) for flag in flags] == [
        (RemovalGround.SECRET_DATA, "skyddad identitet"),
        (RemovalGround.SECRET_DATA, "familjehemsplacerade"),
    ]
    assert_offsets(text, flags)


def test_f7_rules_are_data_the_municipality_edits():
    rules = [
        KeywordRule("other", "fuskbygg*"),
        KeywordRule("unlawful_threat", r"ska\s+(?:slå|sparka)\s+sönder", is_regex=True),
    ]
    text = "Fuskbyggare! Jag ska slå sönder rutorna. Fusk är fusk."
    flags = find_grounds(text, rules)
    assert [(flag.ground, flag.matched) for flag in flags] == [
        (RemovalGround.OTHER, "Fuskbyggare"),
        (RemovalGround.UNLAWFUL_THREAT, "ska slå sönder"),
    ]
    assert_offsets(text, flags)
    assert find_grounds(text, iter(rules)) == flags
    assert find_grounds(text, []) == []


@pytest.mark.parametrize(
    ("ground", "phrase", "is_regex"),
    [
        ("not_a_ground", "hot", False),
        ("unlawful_threat", "   ", False),
        ("unlawful_threat", "(unclosed", True),
        ("unlawful_threat", "a*", True),
        ("unlawful_threat", r"(?P<word>hot)", True),
        ("unlawful_threat", r"(hot)\1", True),
    ],
)
def test_f7_unusable_rule_refused(ground, phrase, is_regex):
    with pytest.raises(ValueError):
        KeywordRule(ground, phrase, is_regex=is_regex)


def test_f7_every_removal_ground_has_swedish_name_and_law_reference():
    assert set(GROUNDS) == set(RemovalGround)
    for ground, info in GROUNDS.items():
        assert info.swedish_name and info.label and info.explanation
        if ground not in (RemovalGround.PERSONAL_DATA, RemovalGround.SECRET_DATA, RemovalGround.OTHER):
            assert info.law_reference.startswith("1998:112 5 §")


def test_f7_default_rules_cover_each_unlawful_content_ground():
    assert set(DEFAULT_PHRASES) | set(DEFAULT_PATTERNS) <= {ground.value for ground in RemovalGround}
    for ground in RemovalGround:
        if ground in (RemovalGround.PERSONAL_DATA, RemovalGround.OTHER):
            continue
        assert len(DEFAULT_PHRASES[ground]) >= 10, ground


@pytest.mark.parametrize("rule", [rule for rule in DEFAULT_RULES if not rule.is_regex], ids=str)
def test_f7_every_default_phrase_matches_itself(rule):
    text = "Kommentar: " + rule.phrase.replace("*", "na") + "."
    flags = find_grounds(text, DEFAULT_RULES)
    assert flags
    assert_offsets(text, flags)


# --- flag_text: everything together ---------------------------------------------------------------------


def test_f15_image_flagged_when_media_attached():
    flags = flag_text("Titta på bilden", has_media=True)
    assert [flag.kind for flag in flags] == [FlagKind.IMAGE]
    assert flags[0].explanation
    assert flag_text("Titta på bilden") == []


def test_f14_flag_text_finds_everything_in_text_order():
    text = (
        "Jag vet var du bor: Storgatan 12, 123 45 Forshaga. Pnr 811228-9874, tel 070-123 45 67, "
        "mejl anna@example.se, se https://example.se/anna. Jag ska döda dig."
    )
    flags = flag_text(text)
    assert [flag.kind for flag in flags] == [
        FlagKind.GROUND,
        FlagKind.ADDRESS,
        FlagKind.PERSONAL_ID,
        FlagKind.PHONE,
        FlagKind.EMAIL,
        FlagKind.LINK,
        FlagKind.GROUND,
    ]
    assert [flag.start for flag in flags] == sorted(flag.start for flag in flags)
    assert_offsets(text, flags)
    assert all(flag.explanation for flag in flags)


def test_flag_text_with_custom_rules_only_uses_them():
    text = "Du ska dö, fuskbyggare"
    flags = flag_text(text, rules=[KeywordRule("other", "fuskbyggare")])
    assert [(flag.kind, flag.matched) for flag in flags] == [(FlagKind.GROUND, "fuskbyggare")]


def test_flags_are_immutable_values():
    flag = flag_text("Ring 0701234567")[0]
    with pytest.raises(AttributeError):
        flag.start = 3  # type: ignore[misc]
    assert flag == Flag(FlagKind.PHONE, None, "0701234567", 5, 15, flag.explanation)


def test_explanations_present_for_every_kind():
    text = "811228-9874 701063-2391 070-123 45 67 a@b.se Storgatan 1 www.a.se bomb"
    flags = flag_text(text, has_media=True)
    assert {flag.kind for flag in flags} == set(FlagKind)
    assert all(flag.explanation.strip() for flag in flags)


def test_empty_text_has_no_flags():
    assert flag_text("") == []


def test_every_flag_explanation_reads_in_swedish():
    texts = [info.explanation for info in flag_texts.GROUNDS.values()]
    texts += [getattr(flag_texts, name) for name in dir(flag_texts) if name.startswith("EXPLAIN_")]
    with translation.override("sv"):
        untranslated = [text for text in texts if translation.gettext(text) == text]
    assert untranslated == []
