from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("markerade/", views.inbox_bulk, name="bulk"),
    path("arende/<int:pk>/", views.case_detail, name="case"),
    path("arende/<int:pk>/tilldela/", views.case_assign, name="assign"),
    path("arende/<int:pk>/ta/", views.case_take, name="take"),
    path("arende/<int:pk>/ingen-atgard/", views.case_no_action, name="no_action"),
    path("arende/<int:pk>/ateroppna/", views.case_reopen, name="reopen"),
    path("arende/<int:pk>/svara/", views.case_reply, name="reply"),
    path("arende/<int:pk>/svar/<int:reply_id>/manuellt/", views.reply_manual, name="reply_manual"),
    path("arende/<int:pk>/svar/<int:reply_id>/igen/", views.reply_retry, name="reply_retry"),
    path("arende/<int:pk>/fraga/", views.case_forward, name="forward"),
    path("arende/<int:pk>/fraga/<int:forward_id>/svar/", views.forward_record_answer, name="forward_record"),
    path("arende/<int:pk>/ta-bort/", views.case_remove, name="remove"),
    path("arende/<int:pk>/ta-bort/igen/", views.case_platform_retry, name="platform_retry"),
    path("arende/<int:pk>/borttagen-pa-plattformen/", views.case_platform_done, name="platform_done"),
    path("arende/<int:pk>/chef/", views.case_manager_request, name="manager_request"),
    path("arende/<int:pk>/chef/klar/", views.case_manager_clear, name="manager_clear"),
    path("fraga/<str:token>/", views.forward_answer, name="forward_answer"),
    path("granska/<int:reply_id>/", views.reply_review, name="reply_review"),
    path("aldre-personuppgifter/", views.older_personal_data, name="older_personal_data"),
    path("samtycke/", views.photo_consents, name="photo_consents"),
    path("samtycke/<int:record_pk>/", views.photo_consent_note, name="photo_consent_note"),
    path("sparade-svar/", views.saved_reply_list, name="saved_replies"),
    path("sparade-svar/ny/", views.saved_reply_edit, name="saved_reply_new"),
    path("sparade-svar/<int:pk>/", views.saved_reply_edit, name="saved_reply"),
    path("nyckelord/", views.flag_rule_list, name="flag_rules"),
    path("nyckelord/ny/", views.flag_rule_edit, name="flag_rule_new"),
    path("nyckelord/<int:pk>/", views.flag_rule_edit, name="flag_rule"),
]
