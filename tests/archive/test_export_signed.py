"""F11: the disclosure export's PDF is signed with the municipality's certificate (PAdES)."""

from archive import services
from archive.models import DisclosureExport
from tests.tsa import pdf_signature

from .test_export import _masked_export, records  # noqa: F401


def test_f11_the_disclosure_pdf_is_signed_by_the_municipality(org, records, signing):  # noqa: F811
    post, comment, _other = records
    export = _masked_export(org, post, comment)
    services.export_queue_pdf(actor=org.registrar, export=export)
    services.export_render_pdf(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == DisclosureExport.Status.DONE
    status = pdf_signature(bytes(export.pdf), signing.ca_cert)
    assert status.intact and status.valid and status.trusted
