"""What the API returns, field by field (and so what its OpenAPI schema promises)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from archive.selectors import removal_ground_label


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class PageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many match in all.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class PublicAccountSerializer(serializers.Serializer):
    """An active account as the public listing (/konton/, konton.json) shows it (F4, F8, N7, N22)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    platform = serializers.CharField()
    platform_name = serializers.CharField()
    handle = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    department = serializers.CharField()
    department_code = serializers.CharField()
    municipality = serializers.CharField()
    purpose = serializers.CharField(allow_blank=True)
    target_audience = serializers.CharField(allow_blank=True)
    response_time_hours = serializers.FloatField()
    response_time_text = serializers.CharField(allow_blank=True)
    parent_id = serializers.IntegerField(allow_null=True)
    parent_name = serializers.CharField(allow_blank=True)
    children = serializers.ListField(child=serializers.IntegerField())
    active_since = serializers.CharField(allow_null=True, help_text="ISO 8601, Europe/Stockholm.")
    updated_at = serializers.CharField(allow_null=True, help_text="ISO 8601, Europe/Stockholm.")

    def to_representation(self, instance):
        data = dict(instance)
        data["children"] = [child["id"] for child in instance["children"]]
        return super().to_representation(data)


class PublicAccountListSerializer(serializers.Serializer):
    municipality = serializers.CharField()
    count = serializers.IntegerField()
    results = PublicAccountSerializer(many=True)


class RecordSerializer(serializers.Serializer):
    """A record in a list of search results (only what the search reads of each record)."""

    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    platform = serializers.CharField()
    account_id = serializers.IntegerField()
    account_name = serializers.CharField(source="account.display_name")
    department_id = serializers.IntegerField()
    department_name = serializers.CharField(source="department.name")
    author_name = serializers.CharField(allow_blank=True)
    author_handle = serializers.CharField(allow_blank=True)
    text = serializers.CharField(allow_blank=True)
    text_format = serializers.CharField()
    published_at = serializers.DateTimeField(help_text="Drawn up or received (N20).")
    removed_at = serializers.DateTimeField(allow_null=True)
    deleted_on_platform_at = serializers.DateTimeField(allow_null=True)
    purged = serializers.SerializerMethodField()
    version_count = serializers.IntegerField()

    def get_purged(self, record) -> bool:
        return record.purged_at is not None


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField(allow_blank=True)
    edited_at = serializers.DateTimeField(allow_null=True)
    seen_at = serializers.DateTimeField()
    sha256 = serializers.CharField()


class RecordDetailSerializer(RecordSerializer):
    is_own = serializers.BooleanField()
    parent_id = serializers.IntegerField(allow_null=True)
    thread_id = serializers.IntegerField(allow_null=True)
    permalink = serializers.CharField(allow_blank=True)
    escaped = serializers.BooleanField(help_text="The text holds characters stored escaped (\\u0000).")
    edited_at = serializers.DateTimeField(allow_null=True)
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    removal_ground = serializers.CharField(allow_blank=True)
    removal_ground_label = serializers.SerializerMethodField()
    content_sha256 = serializers.CharField(allow_blank=True)
    versions = serializers.SerializerMethodField()

    def get_removal_ground_label(self, record) -> str:
        return removal_ground_label(record.removal_ground) if record.removal_ground else ""

    @extend_schema_field(VersionSerializer(many=True))
    def get_versions(self, record) -> list[dict]:
        return VersionSerializer(self.context["versions"], many=True).data


class FacetSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class RecordPageSerializer(PageSerializer):
    capped = serializers.BooleanField(help_text="More matched than were counted: count is a lower bound.")
    facets = serializers.DictField(child=FacetSerializer(many=True))
    results = RecordSerializer(many=True)


class DiaryDocumentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    document_number = serializers.CharField(help_text='For example "BUN 2026/17-3".')
    kind = serializers.CharField()
    record_id = serializers.IntegerField(allow_null=True)
    description = serializers.CharField(allow_blank=True)
    sha256 = serializers.CharField(allow_blank=True)
    snapshot_state = serializers.CharField(allow_blank=True)
    registered_at = serializers.DateTimeField()


class DiaryCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    diary_number = serializers.CharField(help_text='For example "BUN 2026/17".')
    series_code = serializers.CharField()
    year = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    department_id = serializers.IntegerField()
    department_name = serializers.CharField(source="department.name")
    thread_id = serializers.IntegerField(allow_null=True)
    registered_at = serializers.DateTimeField()


class DiaryCaseListItemSerializer(DiaryCaseSerializer):
    document_count = serializers.IntegerField()


class DiaryCaseDetailSerializer(DiaryCaseSerializer):
    documents = DiaryDocumentSerializer(many=True)


class DiaryCasePageSerializer(PageSerializer):
    results = DiaryCaseListItemSerializer(many=True)


class FiguresSerializer(serializers.Serializer):
    """The figures of the statistics page (N18, N21), as numbers; response times in hours."""

    posts = serializers.IntegerField()
    comments = serializers.IntegerField()
    questions = serializers.IntegerField()
    answered = serializers.IntegerField()
    answered_in_time = serializers.IntegerField()
    answered_share = serializers.FloatField(allow_null=True)
    in_time_share = serializers.FloatField(allow_null=True)
    median_response_hours = serializers.FloatField(allow_null=True)
    p90_response_hours = serializers.FloatField(allow_null=True)
    overdue_now = serializers.IntegerField()
    removals = serializers.IntegerField()
    personal_data = serializers.IntegerField()
    followers = serializers.IntegerField(allow_null=True)

    def to_representation(self, figures):
        def hours(value):
            return None if value is None else round(value.total_seconds() / 3600, 2)

        return {
            **{name: getattr(figures, name) for name in self.fields if not name.endswith("_hours")},
            "median_response_hours": hours(figures.median_response),
            "p90_response_hours": hours(figures.p90_response),
        }


class DepartmentFiguresSerializer(serializers.Serializer):
    department_id = serializers.IntegerField()
    department_name = serializers.CharField()
    figures = FiguresSerializer()


class AccountFiguresSerializer(serializers.Serializer):
    account_id = serializers.IntegerField()
    account_name = serializers.CharField()
    platform = serializers.CharField()
    department_id = serializers.IntegerField()
    figures = FiguresSerializer()


class StatisticsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    department_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_null=True, help_text="null: the whole municipality."
    )
    account_id = serializers.IntegerField(allow_null=True)
    total = FiguresSerializer()
    by_department = DepartmentFiguresSerializer(many=True)
    by_account = AccountFiguresSerializer(many=True)
