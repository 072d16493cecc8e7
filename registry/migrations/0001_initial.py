"""The registrar's models, moved from the archive app: state only.

Their tables already exist (made by archive's migrations 0002 and 0008, with their rows); this
migration makes Django know the models as registry's, under the same tables. archive's 0013
forgets them on its side, and registry's 0002 renames the tables to registry_*.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0003_supervision_reminder'),
        ('archive', '0012_own_media_posts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DiaryCase',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('series_code', models.CharField(max_length=10, verbose_name='diary series')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('number', models.PositiveIntegerField(verbose_name='number')),
                        ('title', models.CharField(max_length=300, verbose_name='title')),
                        ('kind', models.CharField(choices=[('case', 'Case'), ('collective', 'Collective file (samlingsakt)')], default='case', max_length=12)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('closed', 'Closed')], default='open', max_length=10)),
                        ('registered_at', models.DateTimeField()),
                        ('last_document_number', models.PositiveIntegerField(default=0)),
                        ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='diary_cases', to='accounts.department')),
                        ('registered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('thread', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='diary_cases', to='archive.record')),
                    ],
                    options={
                        'verbose_name': 'diary case',
                        'verbose_name_plural': 'diary cases',
                        'db_table': 'archive_diarycase',
                        'ordering': ['-year', 'series_code', '-number'],
                    },
                ),
                migrations.CreateModel(
                    name='DiaryDocument',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField()),
                        ('kind', models.CharField(choices=[('record', 'Record'), ('snapshot', 'Snapshot')], max_length=10)),
                        ('description', models.CharField(blank=True, max_length=300)),
                        ('file', models.FileField(blank=True, upload_to='diary/%Y/')),
                        ('sha256', models.CharField(blank=True, max_length=64)),
                        ('snapshot_state', models.CharField(blank=True, choices=[('', 'Not a snapshot'), ('pending', 'Being made'), ('done', 'Ready'), ('failed', 'Failed')], default='', max_length=10)),
                        ('snapshot_error', models.TextField(blank=True)),
                        ('registered_at', models.DateTimeField()),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='registry.diarycase')),
                        ('record', models.ForeignKey(blank=True, help_text='The record, or for a snapshot the post of the thread it shows.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='diary_documents', to='archive.record')),
                        ('registered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'archive_diarydocument',
                        'ordering': ['case', 'number'],
                    },
                ),
                migrations.CreateModel(
                    name='DiaryEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(choices=[('case_registered', 'case registered'), ('collective_created', 'samlingsakt created'), ('documents_added', 'documents added'), ('snapshot_made', 'snapshot made'), ('not_needed', 'no registration needed'), ('class_changed', 'document class changed'), ('hold_set', 'legal hold set'), ('hold_cleared', 'legal hold cleared'), ('disposal_proposed', 'disposal proposed'), ('disposal_approved', 'disposal approved')], max_length=30)),
                        ('record_ref', models.CharField(blank=True, help_text='platform:id, kept after disposal', max_length=330)),
                        ('detail', models.TextField(blank=True)),
                        ('at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='registry.diarycase')),
                        ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.department')),
                        ('record', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='archive.record')),
                    ],
                    options={
                        'db_table': 'archive_diaryevent',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='DiarySeriesCounter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('series_code', models.CharField(max_length=10)),
                        ('year', models.PositiveSmallIntegerField()),
                        ('last_number', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'archive_diaryseriescounter',
                        'constraints': [models.UniqueConstraint(fields=('series_code', 'year'), name='diary_counter_unique_series_year')],
                    },
                ),
                migrations.CreateModel(
                    name='DisposalBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('cutoff', models.DateField(help_text='Records whose retention ended before this date.')),
                        ('state', models.CharField(choices=[('proposed', 'Proposed (dry run)'), ('superseded', 'Replaced by a newer proposal'), ('disposed', 'Disposed of')], default='proposed', max_length=12)),
                        ('summary', models.JSONField(default=dict, help_text='Counts per document class.')),
                        ('created_at', models.DateTimeField()),
                        ('approved_at', models.DateTimeField(blank=True, null=True)),
                        ('disposed_count', models.PositiveIntegerField(default=0)),
                        ('skipped_count', models.PositiveIntegerField(default=0)),
                        ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='disposal_batches', to='accounts.department')),
                    ],
                    options={
                        'db_table': 'archive_disposalbatch',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='DisposalLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('platform', models.CharField(max_length=20)),
                        ('platform_id', models.CharField(max_length=300)),
                        ('record_pk', models.BigIntegerField()),
                        ('kind', models.CharField(max_length=10)),
                        ('is_own', models.BooleanField()),
                        ('published_at', models.DateTimeField()),
                        ('document_class_code', models.CharField(max_length=20)),
                        ('document_class_name', models.CharField(max_length=200)),
                        ('retention_until', models.DateField()),
                        ('raw_sha256', models.CharField(blank=True, max_length=64)),
                        ('content_sha256', models.CharField(blank=True, max_length=64)),
                        ('version_hashes', models.JSONField(default=list)),
                        ('media_hashes', models.JSONField(default=list)),
                        ('disposed_at', models.DateTimeField(db_index=True)),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.serviceaccount')),
                        ('approved_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('batch', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='log', to='registry.disposalbatch')),
                        ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.department')),
                    ],
                    options={
                        'db_table': 'archive_disposallog',
                        'ordering': ['-disposed_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='DocumentClass',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=20, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('applies_to', models.CharField(choices=[('minor', 'Minor importance or routine (not registered)'), ('registered', 'Registered in the diary'), ('own', "The municipality's own posts and replies"), ('incoming', 'Comments and replies from the public')], max_length=12, unique=True, verbose_name='applies to')),
                        ('permanent', models.BooleanField(default=False, verbose_name='kept permanently')),
                        ('retention_years', models.PositiveSmallIntegerField(blank=True, help_text='Counted from the end of the year the record was drawn up or received.', null=True, verbose_name='kept for years')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name': 'document class',
                        'verbose_name_plural': 'document classes',
                        'db_table': 'archive_documentclass',
                        'ordering': ['code'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('permanent', True), ('retention_years__isnull', True)), models.Q(('permanent', False), ('retention_years__isnull', False)), _connector='OR'), name='document_class_permanent_xor_years')],
                    },
                ),
                migrations.CreateModel(
                    name='DisposalCandidate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('retention_until', models.DateField()),
                        ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='candidates', to='registry.disposalbatch')),
                        ('record', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='archive.record')),
                        ('document_class', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.documentclass')),
                    ],
                    options={
                        'db_table': 'archive_disposalcandidate',
                    },
                ),
                migrations.CreateModel(
                    name='RecordClassification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('retention_until', models.DateField(blank=True, help_text='Empty: kept permanently.', null=True)),
                        ('assigned_at', models.DateTimeField()),
                        ('document_class', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='records', to='registry.documentclass')),
                        ('record', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='classification', to='archive.record')),
                    ],
                    options={
                        'db_table': 'archive_recordclassification',
                    },
                ),
                migrations.CreateModel(
                    name='RegistrationRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.CharField(choices=[('high_attention', 'Much attention'), ('removed', 'Removed content'), ('secret', 'Secret or criminal content'), ('other', 'Other')], max_length=20)),
                        ('note', models.TextField(blank=True)),
                        ('requested_at', models.DateTimeField(auto_now_add=True)),
                        ('handled_at', models.DateTimeField(blank=True, null=True)),
                        ('handled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('record', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='registration_requests', to='archive.record')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'registration request',
                        'db_table': 'archive_registrationrequest',
                        'ordering': ['requested_at'],
                    },
                ),
                migrations.CreateModel(
                    name='RegistrationDecision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('outcome', models.CharField(choices=[('registered', 'Registered as a new case'), ('attached', 'Attached to an existing case'), ('not_needed', 'No registration needed')], max_length=12)),
                        ('note', models.TextField(blank=True)),
                        ('decided_at', models.DateTimeField()),
                        ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='registry.diarycase')),
                        ('decided_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('request', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='decision', to='registry.registrationrequest')),
                    ],
                    options={
                        'db_table': 'archive_registrationdecision',
                        'ordering': ['-decided_at'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='diarycase',
                    constraint=models.UniqueConstraint(fields=('series_code', 'year', 'number'), name='diary_case_unique_number'),
                ),
                migrations.AddConstraint(
                    model_name='diarycase',
                    constraint=models.UniqueConstraint(condition=models.Q(('kind', 'collective')), fields=('department', 'year'), name='diary_one_samlingsakt_per_year'),
                ),
                migrations.AddConstraint(
                    model_name='diarycase',
                    constraint=models.UniqueConstraint(condition=models.Q(('thread__isnull', False)), fields=('thread',), name='diary_one_case_per_thread'),
                ),
                migrations.AddConstraint(
                    model_name='diarycase',
                    constraint=models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='diary_case_number_positive'),
                ),
                migrations.AddConstraint(
                    model_name='diarydocument',
                    constraint=models.UniqueConstraint(fields=('case', 'number'), name='diary_document_unique_number'),
                ),
                migrations.AddConstraint(
                    model_name='diarydocument',
                    constraint=models.UniqueConstraint(condition=models.Q(('kind', 'record')), fields=('case', 'record'), name='diary_document_record_once_per_case'),
                ),
                migrations.AddConstraint(
                    model_name='diarydocument',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'record'), ('record__isnull', False)), ('kind', 'snapshot'), _connector='OR'), name='diary_document_record_kind_has_record'),
                ),
                migrations.AddConstraint(
                    model_name='disposalcandidate',
                    constraint=models.UniqueConstraint(fields=('batch', 'record'), name='disposal_candidate_once'),
                ),
                migrations.AddIndex(
                    model_name='recordclassification',
                    index=models.Index(fields=['retention_until'], name='classification_retention'),
                ),
            ],
            database_operations=[],
        ),
    ]
