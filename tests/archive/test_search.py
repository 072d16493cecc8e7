"""F11: the archive is easy to search in Swedish, with filters, facets and stable pages."""

import logging
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.urls import reverse

from archive.models import RecordKind
from archive.search import SEARCH_CONFIG, install_search_configuration, parse_query
from archive.selectors import SearchFilters, record_search
from archive.services import record_mark_deleted_on_platform, record_remove
from tests.archive.helpers import ingest


def found(user, **filters) -> list[str]:
    result = record_search(user=user, filters=SearchFilters(**filters), per_page=100)
    return [record.text for record in result.records]


@pytest.fixture
def corpus(org):
    texts = {
        "skola": "Skolan på Norrby får ny skolgård i vår.",
        "skolor": "Alla skolor i kommunen håller stängt på fredag.",
        "skolans": "Skolans matsal serverar vegetariskt på tisdagar.",
        "snow": "Vi kör snöröjningen i natt på Storgatan.",
        "snow_late": "Snöröjningen börjar i morgon, i natt sandar vi.",
        "library": "Biblioteket har nya öppettider från och med måndag.",
        "parking": "När plogas parkeringen vid simhallen?",
        "other": "Vattenledningen läcker vid torget.",
    }
    return {key: ingest(org.account, text) for key, text in texts.items()}


def test_f11_inflected_and_definite_forms_find_each_other(org, corpus):
    expected = {corpus["skola"].text, corpus["skolor"].text, corpus["skolans"].text}
    for word in ("skola", "skolan", "skolor", "skolans", "skolorna"):
        assert set(found(org.registrar, q=word)) == expected, word


def test_f11_builtin_swedish_alone_misses_what_ours_finds(org, corpus):
    """The reason for the ispell dictionary: Snowball stems skola and skolan differently."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('swedish', 'skolan') @@ plainto_tsquery('swedish', 'skola')")
        assert cursor.fetchone()[0] is False
        cursor.execute(
            "SELECT to_tsvector(%s::regconfig, 'skolan') @@ plainto_tsquery(%s::regconfig, 'skola')",
            [SEARCH_CONFIG, SEARCH_CONFIG],
        )
        assert cursor.fetchone()[0] is True


def test_f11_compounds_are_found_by_their_parts(org, corpus):
    snow = {corpus["snow"].text, corpus["snow_late"].text}
    assert set(found(org.registrar, q="snö")) == snow
    assert set(found(org.registrar, q="röjning")) == snow
    assert set(found(org.registrar, q="snöröjning")) == snow
    assert found(org.registrar, q="parkering") == [corpus["parking"].text]


def test_f11_phrase_search_keeps_word_order(org, corpus):
    assert found(org.registrar, q='"snöröjning i natt"') == [corpus["snow"].text]


def test_f11_prefix_search(org, corpus):
    assert found(org.registrar, q="bibliot*") == [corpus["library"].text]
    assert set(found(org.registrar, q="skol*")) >= {corpus["skola"].text, corpus["skolor"].text}


def test_f11_or_and_exclusion(org, corpus):
    assert set(found(org.registrar, q="bibliotek OR simhall")) == {
        corpus["library"].text,
        corpus["parking"].text,
    }
    assert set(found(org.registrar, q="snöröjning -morgon")) == {corpus["snow"].text}


def test_f11_better_match_ranks_first(org):
    weak = ingest(
        org.account,
        "Information om sophämtning och lite om snöröjning i området.",
        when=datetime(2026, 12, 1, tzinfo=UTC),
    )
    strong = ingest(
        org.account, "Snöröjning! Snöröjningen i natt: snöröjning av alla gator, snöröjning av torget."
    )
    result = record_search(user=org.registrar, filters=SearchFilters(q="snöröjning"))
    assert result.ranked
    assert [record.pk for record in result.records] == [strong.pk, weak.pk]
    # Newest first on request: the weak match was published last.
    newest = record_search(user=org.registrar, filters=SearchFilters(q="snöröjning", sort="newest"))
    assert [record.pk for record in newest.records] == [weak.pk, strong.pk]


def test_f11_snippets_mark_matches_and_escape_record_text(org):
    record = ingest(org.account, 'Skolan <script>alert("x")</script> & <b>skolgården</b> stänger.')
    result = record_search(user=org.registrar, filters=SearchFilters(q="skola"))
    snippet = result.snippets[record.pk]
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;" in snippet and "&amp;" in snippet
    assert "<mark>Skolan</mark>" in snippet
    response_html = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in response_html


def test_f11_misspelt_author_name_and_handle_are_found_by_trigrams(org):
    record = ingest(
        org.account, "Hej!", kind=RecordKind.COMMENT, author_name="Eva Invånare", author_handle="eva_i"
    )
    ingest(org.account, "Tjena", kind=RecordKind.COMMENT, author_name="Olof Palmqvist", author_handle="olof")
    assert found(org.registrar, author="Eva Invanare") == [record.text]
    assert found(org.registrar, author="Invånre") == [record.text]
    assert found(org.registrar, author="@eva_i") == [record.text]


def test_f11_filters(org, corpus):
    other = ingest(
        org.other_account, "Skolan i Söderby renoveras.", when=datetime(2025, 5, 1, 10, tzinfo=UTC)
    )
    comment = ingest(org.account, "Min skola är bäst!", kind=RecordKind.COMMENT, thread=corpus["skola"])
    record_remove(actor=org.alice, record=comment, ground="other", reason="Spam")
    record_mark_deleted_on_platform(record=corpus["skolor"], at=datetime(2026, 4, 1, tzinfo=UTC))
    web = org.web
    assert other.text in found(web, q="skola")
    assert found(web, q="skola", department=org.other.pk) == [other.text]
    assert other.text not in found(web, q="skola", account=org.account.pk)
    assert found(web, q="skola", kind=RecordKind.COMMENT) == [comment.text]
    assert found(web, q="skola", platform="facebook") == []
    assert found(web, q="skola", year=2025) == [other.text]
    assert found(web, q="skola", date_from=date(2025, 4, 30), date_to=date(2025, 5, 1)) == [other.text]
    assert found(web, q="skola", removed=True) == [comment.text]
    assert comment.text not in found(web, q="skola", removed=False)
    assert found(web, q="skola", deleted=True) == [corpus["skolor"].text]
    assert found(web, q="skola", record_ids=(other.pk,)) == [other.text]


def test_f11_facets_count_every_match(org, corpus):
    ingest(org.other_account, "Skolan i Söderby renoveras.", when=datetime(2025, 5, 1, 10, tzinfo=UTC))
    result = record_search(user=org.web, filters=SearchFilters(q="skola"), per_page=1)
    assert result.total == 4 and len(result.records) == 1
    facets = {name: {f.value: f.count for f in values} for name, values in result.facets.items()}
    assert facets["department"] == {org.own.pk: 3, org.other.pk: 1}
    assert facets["year"] == {2026: 3, 2025: 1}
    assert facets["kind"] == {"post": 4}
    assert facets["platform"] == {"mastodon": 4}


def test_f11_department_scoping_holds_for_results_and_facets(org, corpus):
    ingest(org.other_account, "Skolan i Söderby renoveras.")
    for user in (org.registrar, org.head, org.alice):
        result = record_search(user=user, filters=SearchFilters(q="skola"))
        assert {record.department_id for record in result.records} == {org.own.pk}
        assert [f.value for f in result.facets["department"]] == [org.own.pk]
        assert result.total == 3
    charlie = record_search(user=org.charlie, filters=SearchFilters(q="skola"))
    assert charlie.total == 1 and charlie.records[0].department_id == org.other.pk
    # Asking for another department's records by filter gives nothing.
    assert record_search(user=org.registrar, filters=SearchFilters(department=org.other.pk)).total == 0
    assert record_search(user=org.city_registrar, filters=SearchFilters(q="skola")).total == 4
    assert record_search(user=org.info, filters=SearchFilters(q="skola")).total == 0


def test_f11_pagination_is_stable_with_equal_times(org):
    same_time = datetime(2026, 1, 5, 12, tzinfo=UTC)
    created = [ingest(org.account, f"Skolan meddelar nummer {n}.", when=same_time) for n in range(7)]
    pages = [
        record_search(user=org.registrar, filters=SearchFilters(sort="newest"), page=n, per_page=3).records
        for n in (1, 2, 3)
    ]
    ids = [record.pk for page in pages for record in page]
    assert ids == sorted((r.pk for r in created), reverse=True)


def test_query_language_is_parsed_safely():
    parsed = parse_query('skol* "snö i natt" -morgon OR \':*|!&( bibliotek')
    kinds = [[(t.kind, t.text, t.negated) for t in group] for group in parsed.groups]
    assert kinds == [
        [("prefix", "skol", False), ("phrase", "snö i natt", False), ("word", "morgon", True)],
        [("word", "bibliotek", False)],
    ]
    assert not parse_query("-only -negated")


def test_f11_tsquery_syntax_in_the_box_is_not_an_error(org, corpus, client):
    client.force_login(org.registrar)
    for q in ["'&|!:*(", "skol:*", "a & b", '"', "OR OR", "*"]:
        response = client.get(reverse("archive:search"), {"q": q})
        assert response.status_code == 200, q


def test_f11_search_page_is_linkable_and_shows_facets(org, corpus, client):
    client.force_login(org.registrar)
    response = client.get(reverse("archive:search"), {"q": "skolan", "kind": "post"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>Skolan</mark>" in html
    assert reverse("archive:record", args=[corpus["skola"].pk]) in html
    assert "year=2026" in html  # a facet link keeps the search
    assert html.count("<h1") == 1


@pytest.mark.parametrize(
    "who, status",
    [("registrar", 200), ("head", 200), ("alice", 200), ("web", 200), ("city_registrar", 200), ("info", 403)],
)
def test_search_page_checks_access(org, client, who, status):
    client.force_login(getattr(org, who))
    assert client.get(reverse("archive:search")).status_code == status


def test_search_page_refuses_people_without_a_role_and_sends_anonymous_to_login(org, client):
    from tests.factories import UserFactory

    assert client.get(reverse("archive:search")).status_code == 302
    client.force_login(UserFactory(department=org.own))
    assert client.get(reverse("archive:search")).status_code == 403


def test_f11_configuration_falls_back_to_the_stemmer_without_dictionary_files(db, caplog):
    with connection.cursor() as cursor, caplog.at_level(logging.WARNING, logger="archive.search"):
        used = install_search_configuration(
            cursor, config="smgov_test_fallback", dictionary="sv_test_missing", dict_file="no_such_file"
        )
        assert used is False
        assert "not available" in caplog.text
        cursor.execute("SELECT to_tsvector('smgov_test_fallback', 'skolorna')")
        assert "skol" in cursor.fetchone()[0]
        # Idempotent: a second run changes nothing and does not fail.
        assert install_search_configuration(cursor) is True
        assert install_search_configuration(cursor) is True


def test_f11_counting_is_bounded_and_says_so(org, monkeypatch):
    from archive import selectors

    monkeypatch.setattr(selectors, "FACET_LIMIT", 3)
    records = [ingest(org.account, f"Skolan informerar, del {n}.") for n in range(5)]
    result = record_search(user=org.registrar, filters=SearchFilters(q="skola"), per_page=2)
    assert result.capped and result.total == 3
    assert not result.ranked  # too many to rank: newest first
    assert len(result.records) == 2
    narrowed = record_search(
        user=org.registrar, filters=SearchFilters(q="skola", record_ids=(records[0].pk,))
    )
    assert not narrowed.capped and narrowed.total == 1 and narrowed.ranked


def test_f11_facets_are_cached_between_pages_but_the_page_is_live(org, corpus):
    first = record_search(user=org.registrar, filters=SearchFilters(q="bibliotek"))
    assert first.total == 1
    ingest(org.account, "Biblioteket stänger tidigt i dag.")
    again = record_search(user=org.registrar, filters=SearchFilters(q="bibliotek", sort="newest"))
    assert len(again.records) == 2  # the list is read live
    # ... and the counts beside it never contradict it: they are counted again.
    assert again.total == 2
    assert sum(f.count for f in again.facets["platform"]) == 2
    fresh = record_search(user=org.registrar, filters=SearchFilters(q="bibliotek"), use_cache=False)
    assert fresh.total == 2


def test_f11_install_command_reindexes_records(org, corpus):
    from django.core.management import call_command

    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_record SET search_vector = NULL")
    assert found(org.registrar, q="skolan") == []
    call_command("install_search_configuration", "--reindex")
    assert len(found(org.registrar, q="skolan")) == 3


def test_f11_a_results_page_takes_as_many_queries_for_twenty_hits_as_for_one(org, client):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(org.registrar)
    ingest(org.account, "Snöröjningen börjar i natt.")

    def queries() -> int:
        cache.clear()  # the facet counts are counted each time
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("archive:search"), {"q": "snöröjning"}).status_code == 200
        return len(captured.captured_queries)

    one = queries()
    for number in range(24):
        ingest(org.account, f"Snöröjningen på gata {number} är klar.")
    assert queries() == one


@pytest.mark.parametrize(
    "forms",
    [
        ("plogas", "plogar", "plogat", "ploga"),
        ("avgift", "avgifter", "avgiften", "avgifterna"),
        ("skola", "skolan", "skolor", "skolorna"),
    ],
)
def test_f11_every_inflected_form_finds_every_other(org, forms):
    """The dictionary alone lemmatises plogar to plog but plogas to ploga, avgifter to avgifta."""
    records = {form: ingest(org.account, f"Fråga om {form} i går.") for form in forms}
    ingest(org.account, "Vattenledningen läcker vid torget.")
    for query in forms:
        assert set(found(org.registrar, q=query)) == {r.text for r in records.values()}, query


def test_f11_a_compound_is_found_by_its_last_part(org):
    permit = ingest(org.account, "Min bygglovsansökan har legat i ett halvår.")
    fine = ingest(org.account, "Varför fick jag parkeringsböter vid simhallen?")
    ingest(org.account, "Badet vid sjön öppnar i juni.")
    assert found(org.registrar, q="ansökan") == [permit.text]
    assert found(org.registrar, q="böter") == [fine.text]
    assert found(org.registrar, q="bygglovsansökan") == [permit.text]
    # The first part too, and a last part in its definite form.
    assert found(org.registrar, q="bygglov") == [permit.text]
    library = ingest(org.account, "Stadsbiblioteket har en ny läshörna.")
    preschool = ingest(org.account, "Förskolan på Ekbacken har för få pedagoger.")
    assert found(org.registrar, q="bibliotek") == [library.text]
    assert found(org.registrar, q="skola") == [preschool.text]
    # A short word is not matched as the end of any word ("is" in "polis").
    ingest(org.account, "Polisen var på plats.")
    assert found(org.registrar, q="is") == []


def test_f11_words_between_angle_brackets_in_a_plain_comment_are_searchable(org):
    record = ingest(org.account, "Skyltningen vid <Storgatan> och <parkeringen> är fel", kind=RecordKind.COMMENT)
    assert found(org.registrar, q="storgatan") == [record.text]
    assert found(org.registrar, q="parkering") == [record.text]
    snippet = record_search(user=org.registrar, filters=SearchFilters(q="storgatan")).snippets[record.pk]
    assert "&lt;<mark>Storgatan</mark>&gt;" in snippet


def test_f11_a_snippet_keeps_its_first_word(org):
    record = ingest(org.account, "Vi kör snöröjningen i natt på Storgatan.")
    snippet = record_search(user=org.registrar, filters=SearchFilters(q="snöröjning")).snippets[record.pk]
    assert snippet.startswith("Vi kör <mark>snöröjningen</mark>")


def test_f11_a_word_found_through_its_stem_is_marked_in_the_snippet(org):
    record = ingest(org.account, "Nya avgifter för hemtjänsten.")
    snippet = record_search(user=org.registrar, filters=SearchFilters(q="avgift")).snippets[record.pk]
    assert "<mark>avgifter</mark>" in snippet


def test_f11_no_facet_count_exceeds_the_total_when_counting_is_bounded(org, monkeypatch):
    from archive import selectors

    monkeypatch.setattr(selectors, "FACET_LIMIT", 3)
    for n in range(5):
        ingest(org.account, f"Skolan informerar, del {n}.")
    result = record_search(user=org.registrar, filters=SearchFilters(q="skola"), use_cache=False)
    assert result.capped and result.total == 3
    for name in ("platform", "kind", "department", "year"):
        assert sum(f.count for f in result.facets[name]) == 3, name


def test_f11_a_new_connection_has_the_swedish_dictionary_loaded_before_its_first_search(db):
    """Loading hunspell-sv takes seconds: it happens as the connection opens, not in a search."""
    from django.db import connections

    fresh = connections.create_connection("default")
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_backend_memory_contexts WHERE ident = 'sv_ispell'")
            assert cursor.fetchone()[0] == 1
    finally:
        fresh.close()


def test_f11_web_workers_keep_their_connections(settings):
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] is None


# The query of one word with every alternative, as it was built before covered ones were left out.
_EVERY_ALTERNATIVE = """
SELECT plainto_tsquery('smgov_swedish', w) || plainto_tsquery('smgov_swedish_stem', w)
       || coalesce((SELECT string_agg(part, ' | ') FROM (
            SELECT quote_literal(l) || ':*' AS part
            FROM unnest(tsvector_to_array(to_tsvector('smgov_swedish', w))
                        || tsvector_to_array(to_tsvector('smgov_swedish_stem', w))) l
            WHERE char_length(l) >= 4 AND char_length(l) >= char_length(w) - 3
            UNION
            SELECT quote_literal('<' || reverse(regexp_replace(l, '(et|en|an)s?$', ''))) || ':*'
            FROM unnest(tsvector_to_array(to_tsvector('smgov_swedish_stem', w))) l
            WHERE char_length(regexp_replace(l, '(et|en|an)s?$', '')) >= 3) parts), '')::tsquery
FROM (SELECT %s::text AS w) t
"""


def test_f11_a_query_word_leaves_out_what_another_alternative_covers_and_finds_the_same(db):
    """'skola' and 'skolan:*' beside 'skola:*' only make the index merge the same lists again."""
    texts = [
        "Skolan på Norrby får ny skolgård.", "Alla skolor håller stängt.", "Förskolan har för få pedagoger.",
        "Snöröjningen börjar i natt.", "Snö och röjning av gångbanor.", "Röjningen av sly är klar.",
        "Skicka ett e-post till oss.", "Posten kommer sent.", "Detaljplanen för Ekbacken.",
        "En detalj i planen är fel.", "Simhallen stänger.", "Simning i hallen.", "Bygglovsansökan är inne.",
        "Vattnet är avstängt.", "Vattenledningen läcker.", "Vi plogar i natt.", "Plogat och klart.",
    ]  # fmt: skip
    words = [
        "skolan", "snöröjning", "e-post", "detaljplanen", "simhallen", "bygglov", "vattnet", "plogat", "snö",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT smgov_swedish_word('skolan')::text")
        assert cursor.fetchone()[0] == "'<loks':* | 'skola':*"
        for word in words:
            cursor.execute(_EVERY_ALTERNATIVE, [word])
            reference = cursor.fetchone()[0]
            cursor.execute("SELECT smgov_swedish_word(%s)::text", [word])
            query = cursor.fetchone()[0]
            assert len(query) <= len(reference), word
            cursor.execute(
                "SELECT array_agg(t ORDER BY t) FILTER (WHERE smgov_swedish_vector(t, '') @@ %s::tsquery), "
                "       array_agg(t ORDER BY t) FILTER (WHERE smgov_swedish_vector(t, '') @@ %s::tsquery) "
                "FROM unnest(%s::text[]) t",
                [query, reference, texts],
            )
            ours, every = cursor.fetchone()
            assert ours == every and ours, word


def _searched_tsqueries(queries) -> list[str]:
    """The queries records were matched against (quotes doubled, as in the SQL); ranking and
    highlighting keep the prefixes."""
    import re

    return [
        match
        for q in queries.captured_queries
        for match in re.findall(r"search_vector @@ '((?:[^']|'')*)'::tsquery", q["sql"])
    ]


def test_f11_a_prefix_is_searched_as_the_word_forms_the_archive_holds(org, corpus):
    """The index finds exact forms beside the department and label conditions; a prefix makes
    it read every posting list of the forms that start with it."""
    from django.test.utils import CaptureQueriesContext

    from archive.models import SearchLexeme

    assert {"skola", "skolgård"} <= set(
        SearchLexeme.objects.filter(lexeme__startswith="skol").values_list("lexeme", flat=True)
    )
    with CaptureQueriesContext(connection) as queries:
        hits = found(org.registrar, q="skol*")
    assert set(hits) == {corpus["skola"].text, corpus["skolor"].text, corpus["skolans"].text}
    searched = _searched_tsqueries(queries)
    assert searched and all("':*" not in sql for sql in searched)
    assert all("'skolgård'" in sql for sql in searched)


def test_f11_a_word_an_edit_brings_is_found_by_its_prefix(org):
    first = ingest(org.account, "Vi lagar ledningen i morgon.", platform_id="edit-1")
    assert found(org.registrar, q="fjärrvärme*") == []
    ingest(org.account, "Vi lagar fjärrvärmeledningen i morgon.", platform_id="edit-1")
    first.refresh_from_db()
    assert first.version_count == 2
    assert found(org.registrar, q="fjärrvärme*") == ["Vi lagar fjärrvärmeledningen i morgon."]
    # The compound by its last part too: the reversed ends are word forms like the others.
    assert found(org.registrar, q="ledningen") == ["Vi lagar fjärrvärmeledningen i morgon."]


def test_f11_a_prefix_of_more_forms_than_the_limit_stays_a_prefix(org, corpus, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr("archive.search.PREFIX_FORMS_LIMIT", 1)
    with CaptureQueriesContext(connection) as queries:
        hits = found(org.registrar, q="skol*")
    assert set(hits) == {corpus["skola"].text, corpus["skolor"].text, corpus["skolans"].text}
    searched = _searched_tsqueries(queries)
    assert searched and all("'skol'':*" in sql for sql in searched)  # quoted in the SQL


def test_f11_writers_adding_the_same_new_word_forms_at_once_all_succeed(org, transactional_db):
    """Each page's statement adds its new forms in their order, so writers sharing new words wait
    for each other instead of deadlocking, and every form ends up searchable."""
    import threading

    from django.db import connections

    from archive.models import SearchLexeme
    from archive.services import IncomingItem, records_ingest
    from tests.factories import ServiceAccountFactory

    words = [f"kvarteret{name}" for name in ("ugglan", "falken", "ormen", "vargen", "räven", "haren")]
    accounts = [ServiceAccountFactory(department=org.own) for _ in range(4)]
    errors = []

    def write(n, account):
        try:
            for page in range(3):
                # Each writer names the words in an order of its own.
                order = words[n % len(words) :] + words[: n % len(words)]
                items = [
                    IncomingItem(
                        platform_id=f"w{n}-{page}-{i}", kind=RecordKind.POST, is_own=True,
                        published_at=datetime(2026, 3, 2, 9, i, tzinfo=UTC), text=f"Bygget i {word} fortsätter.",
                        raw={"id": f"w{n}-{page}-{i}"},
                    )  # fmt: skip
                    for i, word in enumerate(reversed(order) if n % 2 else order)
                ]
                records_ingest(account=account, items=items)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n, account)) for n, account in enumerate(accounts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT l FROM archive_record, unnest(tsvector_to_array(search_vector)) l "
            "WHERE NOT EXISTS (SELECT FROM archive_searchlexeme WHERE lexeme = l)"
        )
        assert cursor.fetchall() == []
    assert SearchLexeme.objects.count() > len(words)
    for word in words:
        # Four writers, three pages each, the word once on every page.
        assert len(found(org.registrar, q=word)) == 12, word
    assert len(found(org.registrar, q="kvarteret*")) == 72
