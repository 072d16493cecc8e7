"""F11: the Swedish search finds what a registrar means — measured over a relevance set of
comments and queries judged by hand (bench/relevance_sv.py; `make bench` prints the same figures)."""

import pytest

from archive.models import RecordKind
from archive.selectors import SearchFilters, record_search
from bench.relevance_sv import COMMENTS, score
from tests.archive.helpers import ingest


@pytest.fixture
def relevance_set(org):
    keys = {}
    for key, (text, author) in COMMENTS.items():
        record = ingest(org.account, text, kind=RecordKind.COMMENT, author_name=author, author_handle="")
        keys[record.pk] = key
    return keys


def test_f11_relevance_set_inflections_compounds_and_names_are_found(org, relevance_set):
    def search(query: str) -> set[str]:
        result = record_search(user=org.registrar, filters=SearchFilters(q=query), per_page=100, snippets=False)
        return {relevance_set[record.pk] for record in result.records}

    scores = score(search)
    report = {kind: (round(s.recall, 2), round(s.precision, 2), s.misses) for kind, s in scores.items()}
    for kind in ("inflection", "definite", "compound", "name"):
        assert scores[kind].recall >= 0.9, report[kind]
    assert scores["all"].precision >= 0.9, report["all"]
