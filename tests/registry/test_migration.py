"""The registrar's models moved from the archive app to registry without losing a row.

A database in the old layout (archive's tables archive_diarycase etc., the content types under
"archive") is migrated forward; the same rows, ids and foreign keys are then read through the
registry's models, from tables renamed registry_*, and the content types and permissions kept
their ids.
"""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import DepartmentFactory, ServiceAccountFactory, UserFactory

BEFORE_THE_MOVE = ("archive", "0012_own_media_posts")
AT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def _old_layout_targets(executor) -> list[tuple[str, str | None]]:
    """Every other app at its newest migration that needs nothing of the archive after the move (later
    migrations of other apps may build on the archive's newer tables), and the archive before the move."""
    graph = executor.loader.graph
    before = set(graph.forwards_plan(BEFORE_THE_MOVE))
    later = {key for key in graph.nodes if key[0] in ("archive", "registry") and key not in before}
    targets = []
    for app in sorted({key[0] for key in graph.nodes} - {"archive", "registry"}):
        fitting = [key for key in graph.nodes if key[0] == app and not set(graph.forwards_plan(key)) & later]
        targets.append(
            max(fitting, key=lambda key: len(graph.forwards_plan(key))) if fitting else (app, None)
        )
    return [*targets, BEFORE_THE_MOVE]


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


# Committed data, since migrations run outside a test's transaction; the reference data is put back
# before it (tests/conftest.py), so the content types and permissions are those the migrations make.
@pytest.mark.django_db(transaction=True)
def test_moving_the_registrars_models_keeps_rows_ids_and_content_types():
    department = DepartmentFactory(name="Kommunstyrelseförvaltningen", series_code="KS")
    registrar = UserFactory(username="registrator", department=department)
    account = ServiceAccountFactory(department=department)
    group = Group.objects.create(name="diary readers")

    executor = MigrationExecutor(connection)
    targets = _old_layout_targets(executor)
    try:
        executor.migrate([*targets, ("registry", None)])
        ContentType.objects.clear_cache()
        old = MigrationExecutor(connection).loader.project_state(targets).apps
        assert "archive_diarycase" in connection.introspection.table_names()
        assert "registry_diarycase" not in connection.introspection.table_names()

        Record = old.get_model("archive", "Record")
        post = Record.objects.create(
            account_id=account.pk,
            department_id=department.pk,
            platform="mastodon",
            platform_id="p-old-1",
            kind="post",
            is_own=True,
            text="Storgatan byggs om.",
            published_at=AT,
            first_seen_at=AT,
            last_seen_at=AT,
        )
        DocumentClass = old.get_model("archive", "DocumentClass")
        document_class, _ = DocumentClass.objects.get_or_create(
            applies_to="registered",
            defaults={"code": "SM-REG", "name": "Registrerad handling", "permanent": True},
        )
        old.get_model("archive", "DiarySeriesCounter").objects.create(
            series_code="KS", year=2026, last_number=7
        )
        case = old.get_model("archive", "DiaryCase").objects.create(
            department_id=department.pk,
            series_code="KS",
            year=2026,
            number=7,
            title="Storgatan",
            thread=post,
            registered_by_id=registrar.pk,
            registered_at=AT,
            last_document_number=1,
        )
        document = old.get_model("archive", "DiaryDocument").objects.create(
            case=case, number=1, kind="record", record=post, registered_by_id=registrar.pk, registered_at=AT
        )
        request = old.get_model("archive", "RegistrationRequest").objects.create(
            record=post, reason="high_attention", requested_by_id=registrar.pk
        )
        decision = old.get_model("archive", "RegistrationDecision").objects.create(
            request=request, outcome="registered", case=case, decided_by_id=registrar.pk, decided_at=AT
        )
        event = old.get_model("archive", "DiaryEvent").objects.create(
            action="case_registered",
            actor_id=registrar.pk,
            department_id=department.pk,
            case=case,
            record=post,
        )
        classification = old.get_model("archive", "RecordClassification").objects.create(
            record=post, document_class=document_class, retention_until=None, assigned_at=AT
        )
        batch = old.get_model("archive", "DisposalBatch").objects.create(
            department_id=department.pk, cutoff=date(2026, 1, 1), state="disposed", created_at=AT
        )
        log = old.get_model("archive", "DisposalLog").objects.create(
            batch=batch,
            platform="mastodon",
            platform_id="c-gone-1",
            record_pk=999_999,
            account_id=account.pk,
            department_id=department.pk,
            kind="comment",
            is_own=False,
            published_at=AT,
            document_class_code="SM-KOM",
            document_class_name="Kommentarer från allmänheten",
            retention_until=date(2025, 12, 31),
            approved_by_id=registrar.pk,
            disposed_at=AT,
        )
        content_type, _ = ContentType.objects.get_or_create(app_label="archive", model="diarycase")
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename="view_diarycase", defaults={"name": "Can view diary case"}
        )
        group.permissions.add(permission)

        _migrate_to_latest()

        from registry.models import (
            DiaryCase,
            DiaryDocument,
            DiaryEvent,
            DiarySeriesCounter,
            DisposalLog,
            RecordClassification,
            RegistrationDecision,
            RegistrationRequest,
        )

        tables = connection.introspection.table_names()
        assert "registry_diarycase" in tables and "archive_diarycase" not in tables
        moved = DiaryCase.objects.get(pk=case.pk)
        assert moved.diary_number == "KS 2026/7"
        assert (moved.thread_id, moved.department_id, moved.registered_by_id) == (
            post.pk,
            department.pk,
            registrar.pk,
        )
        assert DiarySeriesCounter.objects.get(series_code="KS", year=2026).last_number == 7
        assert DiaryDocument.objects.get(pk=document.pk).document_number == "KS 2026/7-1"
        assert list(moved.documents.values_list("pk", flat=True)) == [document.pk]
        assert RegistrationRequest.objects.get(pk=request.pk).record_id == post.pk
        assert RegistrationDecision.objects.get(pk=decision.pk).case_id == case.pk
        assert DiaryEvent.objects.get(pk=event.pk).case_id == case.pk
        kept = RecordClassification.objects.get(pk=classification.pk)
        assert (kept.record_id, kept.document_class_id) == (post.pk, document_class.pk)
        assert DisposalLog.objects.get(pk=log.pk).batch_id == batch.pk

        assert ContentType.objects.get_for_model(DiaryCase).pk == content_type.pk
        assert not ContentType.objects.filter(app_label="archive", model="diarycase").exists()
        assert Permission.objects.get(content_type__app_label="registry", codename="view_diarycase").pk == (
            permission.pk
        )
        assert group.permissions.filter(pk=permission.pk).exists()

        # New rows continue the same id sequences.
        assert (
            DiaryCase.objects.create(
                department_id=department.pk,
                series_code="KS",
                year=2026,
                number=8,
                title="Nästa",
                registered_at=AT,
            ).pk
            > case.pk
        )
    finally:
        _migrate_to_latest()
