"""SQL for fields. Callers first take the document's row lock (a conditional touch of the
document, see repository.update_document), so the per-document cap cannot race."""

from __future__ import annotations

from services.documents.db.child_rows import ChildRows

FIELD_COLUMNS: dict[str, str] = {
    "type": "type",
    "label": "label",
    "page": "page",
    "x": "x",
    "y": "y",
    "width": "width",
    "height": "height",
    "required": "required",
    "readOnly": "read_only",
    "assignedTo": "assigned_to",
    "placeholder": "placeholder",
    "options": "options",
    "defaultValue": "default_value",
    "validation": "validation",
    "group": "field_group",
    "format": "format",
    "signerId": "signer_id",
    "formula": "formula",
}

# Reading order on the page: top to bottom, then left to right (y grows downwards).
_FIELDS = ChildRows("fields", "document_id", "page, y, x, id")

list_fields = _FIELDS.list
count_fields = _FIELDS.count
insert_field = _FIELDS.insert
find_field = _FIELDS.find
update_field = _FIELDS.update
delete_field = _FIELDS.delete
