"""Forms people fill in, each a Word form of content controls and a fillable PDF.

respondent.py: the service assessment's respondent form (`packet forms`), read back by
`packet ingest`. working.py: the working forms of every packet (referral and consent,
documentation record, safety plan). fillable.py: the PDF fields both are made of.
"""

from pipeline.forms.respondent import (
    FORM_DOCX,
    FORM_PDF,
    FORM_TEXT_NAMESPACE,
    RATING_VALUES,
    REFERENCE_TAG,
    build_forms,
    field_description,
    form_reference,
    form_tags,
    form_text,
    paragraph_text,
    recorded_form_text,
)

__all__ = [
    "FORM_DOCX",
    "FORM_PDF",
    "FORM_TEXT_NAMESPACE",
    "RATING_VALUES",
    "REFERENCE_TAG",
    "build_forms",
    "field_description",
    "form_reference",
    "form_tags",
    "form_text",
    "paragraph_text",
    "recorded_form_text",
]
