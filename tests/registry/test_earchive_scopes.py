"""E-archive packages of a department's year and an account's final package, and the rendering of
every thread in a package (a PDF printed from the records that went into it)."""

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pypdf
import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import etree

from registry.earchive import earchive_package_build, earchive_package_create
from registry.models import EarchivePackage
from tests.factories import ServiceAccountFactory, UserFactory

from .conftest import make_comment, make_post
from .test_earchive import eark_validator, premis_schema  # noqa: F401 - the fixtures

DC = "{http://purl.org/dc/elements/1.1/}"
MAY = datetime(2025, 5, 12, 8, 30, tzinfo=UTC)


@pytest.fixture
def department_2025(org):
    """Two accounts of the department with a thread each in 2025, one in 2026, and another
    department's thread of 2025."""
    second = ServiceAccountFactory(department=org.own, admins=[org.alice, UserFactory(department=org.own)])
    first_post = make_post(org.account, text="Skolan har öppet hus på lördag.", at=MAY)
    question = make_comment(org.account, first_post, text="Vilken tid börjar det?")
    second_post = make_post(second, text="Förskolans nya gård invigs.", at=MAY + timedelta(days=3))
    make_post(org.account, text="Nytt år på skolan", at=datetime(2026, 1, 8, tzinfo=UTC))
    foreign = make_post(org.other_account, text="Vägarbete på Storgatan", at=MAY)
    return {"second": second, "posts": [first_post, second_post], "question": question, "foreign": foreign}


def _build(tmp_path, **scope):
    package = earchive_package_create(actor=None, **scope)
    return earchive_package_build(package_id=package.pk, out_dir=tmp_path), tmp_path / package.objid


def test_a_departments_year_is_one_package_that_validates(org, department_2025, tmp_path, eark_validator):  # noqa: F811
    package, root = _build(tmp_path, department=org.own, year=2025)
    assert package.scope == EarchivePackage.Scope.DEPARTMENT_YEAR and package.account is None
    assert eark_validator(root) == []
    catalogue = json.loads((root / "representations/rep1/data/records.json").read_text())
    ids = {entry["platform_id"] for entry in catalogue}
    expected = {
        *(post.platform_id for post in department_2025["posts"]),
        department_2025["question"].platform_id,
    }
    assert ids == expected  # both accounts of the department, only 2025, no other department
    dc = etree.parse(str(root / "metadata/descriptive/dc.xml"))
    assert dc.findtext(f"{DC}creator") == org.own.name
    assert dc.findtext(f"{DC}title") == f"{org.own} 2025"


def test_every_thread_has_a_pdf_rendering_in_the_package(
    org,
    department_2025,
    tmp_path,
    premis_schema,  # noqa: F811
):
    package, root = _build(tmp_path, account=org.account, year=2025)
    post, question = department_2025["posts"][0], department_2025["question"]
    catalogue = {
        entry["id"]: entry
        for entry in json.loads((root / "representations/rep1/data/records.json").read_text())
    }
    assert catalogue[post.pk]["rendering"] == f"data/renderings/thread-{post.pk}.pdf"
    assert "rendering" not in catalogue[question.pk]
    pdf_bytes = (root / f"representations/rep1/data/renderings/thread-{post.pk}.pdf").read_bytes()
    assert pdf_bytes.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Skolan har öppet hus på lördag." in text and "Vilken tid börjar det?" in text
    assert reader.metadata.title == f"Inlägg mastodon:{post.platform_id}"
    # Kept for the long term as PDF/A-2b: the identification and the title in its XMP, an sRGB
    # output intent with its profile, and every font embedded.
    xmp = reader.xmp_metadata
    xmp_text = xmp.stream.get_data().decode()
    assert re.search(r"pdfaid:part(=['\"]|>)2", xmp_text) and re.search(r"pdfaid:conformance(=['\"]|>)B", xmp_text)
    assert f"Inlägg mastodon:{post.platform_id}" in xmp_text
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1" and intent.get_object()["/DestOutputProfile"].get_data()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font.get("/BaseFont")
    # The rendering is in the representation's METS with its checksum, and in PREMIS.
    rep_mets = (root / "representations/rep1/METS.xml").read_text()
    assert f"data/renderings/thread-{post.pk}.pdf" in rep_mets
    premis = etree.parse(str(root / "metadata/preservation/premis.xml"))
    premis_schema.assertValid(premis)
    assert f"thread-{post.pk}.pdf" in etree.tostring(premis).decode()


def test_final_package_and_department_package_from_the_command(org, department_2025, tmp_path, capsys):
    call_command("earchive_export", department="BUN", year=2025, out=tmp_path)
    assert "3 records" in capsys.readouterr().out
    call_command("earchive_export", account=org.account.pk, final=True, out=tmp_path)
    assert "3 records" in capsys.readouterr().out  # both years of the account
    final = EarchivePackage.objects.get(scope=EarchivePackage.Scope.ACCOUNT_FINAL)
    assert final.status == EarchivePackage.Status.DONE and final.year is None


def test_registrar_chooses_a_department_package_on_the_page(org, department_2025, client):
    client.force_login(org.registrar)
    page = client.get(reverse("registry:diary_earchive")).content.decode()
    assert "En förvaltnings år" in page and "Ett kontos slutpaket" in page
    response = client.post(reverse("registry:diary_earchive_order"), {"scope": "account_year", "year": 2025})
    assert response.status_code == 400 and "Välj kontot." in response.content.decode()
    response = client.post(
        reverse("registry:diary_earchive_order"),
        {"scope": "department_year", "department": org.own.pk, "year": 2025},
    )
    package = EarchivePackage.objects.get()
    assert response.url == reverse("registry:diary_earchive_package", args=[package.pk])
    assert (package.scope, package.department, package.year) == ("department_year", org.own, 2025)
    assert org.own.name in client.get(response.url).content.decode()
    # The other department's registrar neither sees nor orders it.
    other_registrar = UserFactory(department=org.other, roles=["registrar"])
    client.force_login(other_registrar)
    assert client.get(response.url).status_code == 403
    response = client.post(
        reverse("registry:diary_earchive_order"),
        {"scope": "department_year", "department": org.own.pk, "year": 2025},
    )
    assert response.status_code == 400 and EarchivePackage.objects.count() == 1
