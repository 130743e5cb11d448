"""Building blocks every public model shares: status vocabularies, the request and response
bases, timestamps, numbers and list pagination.

Request models reject unknown properties and wrong JSON types (no "5" for 5, no 1 for true).
Responses are dumped with `model_dump(mode="json", by_alias=True)`: `_count` is a serialization
alias, and timestamps are ISO 8601 UTC with milliseconds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    GetJsonSchemaHandler,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from shared.contracts import rules
from shared.patch_schema import not_nullable
from shared.timefmt import iso

DocumentStatus = Literal["draft", "pending", "action_required", "completed", "declined", "cancelled", "expired"]
SigningType = Literal["sequential", "parallel"]
SignerRole = Literal["signer", "viewer", "approver"]
SignerStatus = Literal["pending", "sent", "viewed", "completed", "declined", "delivery_failed"]
# The languages of the signing page, the emails and the dates in the signed PDF (shared/i18n.py
# holds the same codes; a unit test keeps the two equal).
Language = Literal["en", "de", "fr", "es", "pt"]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return rules.reject_nul(value)

    def given(self) -> dict[str, Any]:
        """The properties the client sent, by their API names."""
        return self.model_dump(exclude_unset=True)


class PatchModel(RequestModel):
    # Properties that may be changed but never set to null.
    NOT_NULL: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _check_patch(self) -> PatchModel:
        if not self.model_fields_set:
            raise ValueError("At least one property must be given")
        return self

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.NOT_NULL:
            raise ValueError("May not be null")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # The spec must not offer the null that _not_null refuses.
        json_schema = super().__get_pydantic_json_schema__(schema, handler)
        not_nullable(handler.resolve_ref_schema(json_schema), cls.NOT_NULL)
        return json_schema


# --- response building blocks -----------------------------------------------------------------
Timestamp = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
# Integral positions are written as integers (100, not 100.0), as in the reference.
Number = int | float


class ResponseModel(BaseModel):
    """Built by handlers from rows; `_count` (not a valid Python name) is a serialization alias."""


class PageMeta(ResponseModel):
    """Cursor pagination: pass `nextCursor` as `cursor` for the next page while `hasMore`."""

    count: int
    hasMore: bool
    nextCursor: str | None
