"""Celery tasks of the diary and of retention: thin, by id, each calling one service.

The tasks keep the names they had in the archive app ("archive.…"): queued messages, the beat
schedule (smgov/schedules.py) and django-celery-beat's PeriodicTask rows name them, so a deploy
that moves code must not rename them.
"""

from celery import shared_task

from .models import DiaryDocument


@shared_task(name="archive.diary_snapshot_render", soft_time_limit=120, time_limit=180)
def diary_snapshot_render(document_id: int) -> str:
    from . import diary, snapshot

    document = DiaryDocument.objects.select_related("case", "record").get(pk=document_id)
    if document.snapshot_state == DiaryDocument.SnapshotState.DONE:
        return document.sha256
    try:
        pdf, digest = snapshot.snapshot_render(document=document)
    except Exception as error:
        diary.snapshot_failed(document=document, error=repr(error))
        raise
    filename = (
        f"{document.case.series_code}-{document.case.year}-{document.case.number}-{document.number}.pdf"
    )
    diary.snapshot_store(document=document, pdf=pdf, sha256=digest, filename=filename)
    return digest


@shared_task(name="archive.retention_nightly", soft_time_limit=25 * 60, time_limit=30 * 60)
def retention_nightly() -> int:
    from .retention import disposal_propose_all

    return len(disposal_propose_all())


@shared_task(name="registry.disposal_run", soft_time_limit=25 * 60, time_limit=30 * 60, acks_late=True)
def disposal_run(run_id: int) -> int:
    from .retention import disposal_run_execute

    return disposal_run_execute(run_id=run_id).progress


@shared_task(name="archive.samlingsakt_yearly", soft_time_limit=5 * 60, time_limit=6 * 60)
def samlingsakt_yearly() -> int:
    from .diary import samlingsakt_create_for_year

    return len(samlingsakt_create_for_year())


@shared_task(
    name="registry.earchive_package_make", soft_time_limit=50 * 60, time_limit=60 * 60, acks_late=True
)
def earchive_package_make(package_id: int) -> str:
    from .earchive import earchive_package_build

    return earchive_package_build(package_id=package_id).sha256


@shared_task(name="registry.diary_export_make", soft_time_limit=20 * 60, time_limit=25 * 60, acks_late=True)
def diary_export_make(export_id: int) -> str:
    from .diary_export import diary_export_build

    return diary_export_build(export_id=export_id).xml_sha256
