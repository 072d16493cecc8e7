"""Plumbing written once and used by every app: printing HTML to PDF, mail after commit, log redaction.

Nothing here knows a business rule; the apps call it with explicit arguments.
"""
