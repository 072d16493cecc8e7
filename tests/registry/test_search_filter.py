"""F11: the archive search filters by "registered in the diary", a filter the registry adds."""

from registry import diary
from tests.archive.test_search import corpus, found  # noqa: F401 - the archive search's corpus fixture


def test_f11_filter_registered_in_the_diary(org, corpus):  # noqa: F811 - the imported fixture
    diary.diary_case_register(actor=org.registrar, record=corpus["skola"], title="Skolan", snapshot=False)
    assert found(org.web, q="skola", extra=(("registered", "yes"),)) == [corpus["skola"].text]
    assert corpus["skola"].text not in found(org.web, q="skola", extra=(("registered", "no"),))
