"""Month abbreviations are Swedish everywhere: "3 maj", "1 dec", never Django's capitalised "Maj"/"Dec"."""

import re
from pathlib import Path

from django.utils import dateformat, timezone

from tests.moderation.conftest import open_case

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# A date filter whose format has an unescaped "M" (the capitalised three-letter month).
CAPITALISED_MONTH = re.compile(r"""date:(["'])((?:(?!\1).)*?)\1""")


def _unescaped(fmt: str, char: str) -> bool:
    return bool(re.search(rf"(?<!\\){char}", fmt))


def test_no_template_writes_a_capitalised_month_abbreviation():
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group(2)}"
        for path in TEMPLATES.rglob("*.html")
        for match in CAPITALISED_MONTH.finditer(path.read_text("utf-8"))
        if not match.group(2).isupper() and _unescaped(match.group(2), "M")
    ]
    assert offenders == []


def test_the_case_history_writes_the_month_in_swedish(client, org):
    case = open_case(org.account)
    client.force_login(org.alice)
    html = client.get(case.get_absolute_url(), headers={"accept-language": "en"}).content.decode()
    event = case.events.first()
    local = timezone.localtime(event.at)
    assert dateformat.format(local, "j b Y H.i") in html
    assert dateformat.format(local, "j M Y") not in html
