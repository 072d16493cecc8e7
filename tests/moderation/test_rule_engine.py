"""Keyword rules written by communicators run on every comment in the worker: none can stall it."""

import time

import pytest
from django.urls import reverse
from django.utils import translation

from moderation.flags import KeywordRule, RuleRefused, find_grounds, flag_text
from moderation.models import FlagRule

PATHOLOGICAL = r"(x+x+)+y"  # exponential in a backtracking engine on "xxx…x" without a y


def test_f7_a_pathological_pattern_on_a_long_comment_finishes_within_a_bound():
    rules = (KeywordRule("unlawful_threat", PATHOLOGICAL, is_regex=True), KeywordRule("agitation", "jävlar"))
    comment = "x" * 1_000_000 + " jävlar"

    started = time.monotonic()
    flags = flag_text(comment, rules=rules)
    elapsed = time.monotonic() - started

    # A backtracking engine would not finish this in a lifetime; RE2 takes milliseconds.
    assert elapsed < 5, f"matching took {elapsed:.1f} s"
    assert [(flag.ground, flag.matched) for flag in flags if flag.ground] == [("agitation", "jävlar")]


def test_f7_the_pathological_pattern_still_matches_what_it_says():
    rules = (KeywordRule("unlawful_threat", PATHOLOGICAL, is_regex=True),)
    assert [flag.matched for flag in find_grounds("se xxxy här", rules)] == ["xxxy"]


@pytest.mark.parametrize("pattern", [r"(?<!inte )hot", r"hot(?=a)", r"(hot)\1"])
def test_f7_patterns_the_linear_engine_cannot_run_are_refused(pattern):
    with pytest.raises(RuleRefused) as refused:
        KeywordRule("unlawful_threat", pattern, is_regex=True)
    assert refused.value.code == "invalid"


def test_f7_whole_words_hold_for_swedish_letters_and_adjacent_matches():
    rules = (KeywordRule("agitation", "jävel"), KeywordRule("unlawful_threat", "döda dig"))
    assert [f.matched for f in find_grounds("jävel jävel ÅJÄVEL jävelå döda digitalt döda dig", rules)] == [
        "jävel",
        "jävel",
        "döda dig",
    ]


@pytest.mark.django_db
def test_f7_a_refused_pattern_is_explained_in_swedish_in_the_form(client, org):
    client.force_login(org.alice)
    with translation.override("sv"):
        response = client.post(
            reverse("moderation:flag_rule_new"),
            {"ground": "unlawful_threat", "phrase": r"(?<!inte )hota", "is_regex": "on", "is_active": "on"},
            HTTP_ACCEPT_LANGUAGE="sv",
        )
    assert response.status_code == 400  # the form again, with what is wrong
    assert not FlagRule.objects.filter(phrase=r"(?<!inte )hota").exists()
    assert "Mönstret kan inte användas" in response.content.decode()
