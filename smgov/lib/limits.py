"""How long a free text may be, written once: the limit is shown in the form (``maxlength``, and the
counter in smgov.js) and checked on the server with Django's (translated) length error."""

from django.core.validators import MaxLengthValidator

PURPOSE = 2000  # a purpose, goal or rationale: a few paragraphs for the head's decision
SHORT_TEXT = 1000  # a target audience, a reason
NOTE = 2000  # a comment, a note, a question to an expert
ANSWER = 5000  # an expert's answer
CREDENTIAL = 4096  # the longest token or key a platform issues (Graph page tokens, JWTs) fits


def limit_text(field, limit: int) -> None:
    """Give a form field built from a model's TextField (no length of its own) a limit."""
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)
