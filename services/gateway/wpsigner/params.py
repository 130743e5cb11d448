"""WPsigner request parameters: parsing and their models.

WordPress merges a request's parameters from the query string and the body (JSON, or form
encoded, as PHP clients often send), the body winning; values may arrive as strings ("5",
"1", "true"), so the models are lax about types. They check only shape and presence: the
values themselves (lengths, ranges, emails, field geometry) are the core's to judge, and its
refusals come back renamed (translate.py). per_page's maximum is the WPsigner surface's own.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from services.gateway.wpsigner import errors

ModelT = TypeVar("ModelT", bound=BaseModel)
JSON_TYPES = ("application/json",)
FORM_TYPE = "application/x-www-form-urlencoded"


async def read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = {key: request.query[key] for key in request.query}
    if not request.body_exists:
        return params
    if request.content_type in JSON_TYPES or request.content_type.endswith("+json"):
        raw = await request.read()
        if raw.strip():
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise errors.invalid_json() from None
            if not isinstance(body, dict):
                raise errors.WpError(400, "rest_invalid_json", "The JSON body must be an object.")
            params.update(body)
    elif request.content_type == FORM_TYPE:
        params.update({key: value for key, value in (await request.post()).items() if isinstance(value, str)})
    else:
        await request.read()  # an unknown body is ignored, as WordPress does, but still size-checked
    return params


def validate(model: type[ModelT], params: dict[str, Any]) -> ModelT:
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise errors.from_validation(exc) from None


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _flag(value: Any) -> Any:
    """WordPress booleans: true/false, 1/0, "1"/"0", "true"/"false", "yes"/"no"."""
    if isinstance(value, str) and value.strip().lower() in ("yes", "no"):
        return value.strip().lower() == "yes"
    return value


Text = Annotated[str, Field(max_length=100_000)]
MaybeText = Annotated[Text | None, BeforeValidator(_blank_is_none)]


class _Params(BaseModel):
    # WordPress ignores parameters a route does not declare (`_fields`, `context`, ...).
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class ListParams(_Params):
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20
    status: MaybeText = None
    search: Annotated[Text | None, BeforeValidator(_blank_is_none), Field(max_length=200)] = None


class CreateParams(_Params):
    title: Text
    file_path: MaybeText = None
    original_filename: MaybeText = None


class UpdateParams(_Params):
    title: Text | None = None
    status: MaybeText = None


class SignerParams(_Params):
    name: Text
    email: Text
    role: Text = "signer"
    signing_order: int = 1


class FieldParams(_Params):
    signer_id: Annotated[int | None, BeforeValidator(_blank_is_none)] = None
    field_type: Text
    page_number: int
    position_x: float
    position_y: float
    width: float
    height: float
    is_required: Annotated[bool, BeforeValidator(_flag)] = True
    field_name: MaybeText = None
    placeholder: MaybeText = None
    value: MaybeText = None
    options: Annotated[list[Text] | Text | None, BeforeValidator(_blank_is_none)] = None


def option_list(options: list[str] | str | None) -> list[str] | None:
    """Options as WPsigner clients send them: a list, a JSON array string, or lines/commas."""
    if options is None or isinstance(options, list):
        return options
    text = options.strip()
    if text.startswith("["):
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return [str(item) for item in parsed]
    separator = "\n" if "\n" in text else ","
    return [part.strip() for part in text.split(separator) if part.strip()]


Kind = Literal["json", "multipart"]


def body_kind(request: web.Request) -> Kind:
    return "multipart" if request.content_type == "multipart/form-data" else "json"
