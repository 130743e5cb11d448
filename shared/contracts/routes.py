"""The public route table of /api/v1: every operation, declared once.

Each row says who serves the operation (`service`), which scope an API key needs (None: no key;
signer routes are authenticated by the signing token in the path), the shape of each path
parameter, and what goes in and out: request body, query filters, success status, response body
(a pydantic model, a raw JSON schema for a file, or None for 204), its media type, and the
errors it answers besides those its shape implies. Three readers, no second copy:

- the gateway registers exactly these routes: its own (`service="gateway"`) and, for the rest,
  a proxy that checks the scope and the parameters' shapes, then forwards to the route's own
  path filled with them (services/gateway/routes.py);
- the OpenAPI document is built from these rows (services/gateway/openapi_build.py);
- each service's router is checked against its rows (tests/unit/test_contract_routes.py).

`cursor` and `limit` are not in query models: every paginated list shares them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel

from shared.contracts.attachments import AttachmentListResponse, AttachmentResponse, AttachmentUpload
from shared.contracts.audit import AuditChainVerification, AuditTrail
from shared.contracts.bulk_sends import (
    BulkSendCreate,
    BulkSendCsvUpload,
    BulkSendListQuery,
    BulkSendListResponse,
    BulkSendResponse,
)
from shared.contracts.campaigns import (
    CampaignCreate,
    CampaignListQuery,
    CampaignListResponse,
    CampaignResponse,
    CampaignSubmission,
    CampaignSubmittedResponse,
    CampaignUpdate,
)
from shared.contracts.document_requests import (
    DocumentCreate,
    DocumentListQuery,
    DocumentUpdate,
    FieldCreate,
    FieldUpdate,
    SignerCreate,
    SignerUpdate,
)
from shared.contracts.document_responses import (
    DocumentCreatedResponse,
    DocumentDetailResponse,
    DocumentListResponse,
    FieldListResponse,
    FieldResponse,
    SignerCreatedResponse,
    SignerListResponse,
    SignerResponse,
)
from shared.contracts.files import PDF_BODY, PDF_MEDIA, UploadRequest, UploadResponse
from shared.contracts.org import LogoUpload, MemberListResponse, OrganizationLogoResponse, OrganizationResponse
from shared.contracts.pages import PNG, PNG_BODY, PageQuery
from shared.contracts.path_params import (
    ATTACHMENT_ID,
    BULK_SEND_ID,
    CAMPAIGN_ID,
    DELIVERY_ID,
    DOCUMENT_ID,
    FIELD_ID,
    PAGE_NUMBER,
    ROLE_ID,
    SIGNER_ID,
    SIGNING_TOKEN,
    TEMPLATE_FIELD_ID,
    TEMPLATE_ID,
    WEBHOOK_ID,
    Shape,
    placeholders,
)
from shared.contracts.seal import PEM_CHAIN_BODY, PEM_CHAIN_MEDIA, CertificateUpload
from shared.contracts.signing import (
    PDF_BODY as SIGNING_PDF_BODY,
)
from shared.contracts.signing import (
    SIGNED_COPY_BODY,
    CancelResponse,
    DeclineRequest,
    EmptyRequest,
    OtpSentResponse,
    OtpVerifiedResponse,
    OtpVerifyRequest,
    RemindResponse,
    SendResponse,
    SigningAttachmentResponse,
    SigningOutcomeResponse,
    SigningSessionResponse,
    SigningUrlResponse,
    SignRequest,
)
from shared.contracts.signing_page import LinkStateResponse, SignatureImageResponse, SignatureImageUpload
from shared.contracts.templates import (
    RoleCreate,
    RoleUpdate,
    TemplateCreate,
    TemplateDetailResponse,
    TemplateFieldListResponse,
    TemplateFieldResponse,
    TemplateListQuery,
    TemplateListResponse,
    TemplateRoleListResponse,
    TemplateRoleResponse,
    TemplateUpdate,
    TemplateUse,
)
from shared.contracts.verify import MULTIPART, VERIFY_PATH, VerifyResult, VerifyUpload
from shared.contracts.webhooks import (
    DeliveryListResponse,
    DeliveryResponse,
    WebhookCreate,
    WebhookCreatedResponse,
    WebhookListResponse,
    WebhookResponse,
    WebhookUpdate,
)
from shared.contracts.webhooks import (
    EmptyRequest as WebhookEmptyRequest,
)

Service = Literal["gateway", "documents", "audit", "notifier"]
Key = tuple[str, str]  # (method, path template)
# A raw JSON schema stands in where no pydantic model can (a PDF, a PNG, the OpenAPI document).
ResponseBody = type[BaseModel] | dict[str, Any] | None

DOCUMENTS = "/api/v1/documents"
SIGNING = "/api/v1/signing/{token}"
TEMPLATES = "/api/v1/templates"
BULK_SENDS = "/api/v1/bulk-sends"
CAMPAIGNS = "/api/v1/campaigns"
WEBHOOKS = "/api/v1/webhooks"
ORG = "/api/v1/org"
OPENAPI_PATH = "/api/v1/openapi.json"

OPENAPI_DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "This OpenAPI 3.1 document.",
    "required": ["openapi", "info", "paths"],
}

# What each placeholder holds, by the family of routes it appears in.
_SHAPES: tuple[tuple[str, Mapping[str, Shape]], ...] = (
    (DOCUMENTS, {"id": DOCUMENT_ID, "signerId": SIGNER_ID, "fieldId": FIELD_ID, "attId": ATTACHMENT_ID}),
    (WEBHOOKS, {"id": WEBHOOK_ID, "deliveryId": DELIVERY_ID}),
    (TEMPLATES, {"id": TEMPLATE_ID, "roleId": ROLE_ID, "fieldId": TEMPLATE_FIELD_ID}),
    (BULK_SENDS, {"id": BULK_SEND_ID}),
    (SIGNING, {"token": SIGNING_TOKEN, "page": PAGE_NUMBER, "attId": ATTACHMENT_ID, "fieldId": FIELD_ID}),
    (CAMPAIGNS, {"id": CAMPAIGN_ID}),
)


def shapes_of(path: str) -> Mapping[str, Shape]:
    """The shape of every placeholder of `path`. A placeholder without one fails here, at
    import, instead of letting the gateway forward whatever a client puts there."""
    names = placeholders(path)
    if not names:
        return MappingProxyType({})
    family = next((shapes for prefix, shapes in _SHAPES if path.startswith(prefix)), {})
    missing = [name for name in names if name not in family]
    if missing:
        raise ValueError(f"{path}: no shape for {missing}")
    return MappingProxyType({name: family[name] for name in names})


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    scope: str | None  # None: no API key (signer routes: the signing token is the credential)
    status: int  # the success status
    response: ResponseBody  # None: no body (204)
    request: type[BaseModel] | None = None  # the request body (JSON unless `request_media` says otherwise)
    query: type[BaseModel] | None = None  # query filters besides cursor/limit
    media_type: str = "application/json"  # of the success response
    extra_errors: tuple[int, ...] = ()  # errors besides those derived from the operation's shape
    service: Service = "gateway"  # who answers it
    request_media: str = "application/json"  # of the request body (a file upload: multipart/form-data)
    # Not in the inSigner reference: a Countersign addition (`x-countersign-extension` in the spec).
    extension: bool = False
    # Scopes the service itself requires depending on the body (e.g. `send: true` of a template's
    # `use` needs documents.send); the gateway forwards which of them the key holds.
    body_scopes: tuple[str, ...] = ()
    # The setting (a Settings attribute) capping this route's body when it carries a file larger
    # than MAX_BODY_BYTES allows; the gateway adds the multipart framing's allowance.
    body_limit: str | None = None
    shapes: Mapping[str, Shape] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> Key:
        return (self.method, self.path)


def _op(
    service: Service, method: str, path: str, scope: str | None, status: int, response: ResponseBody, **more: Any
) -> Operation:
    return Operation(method, path, scope, status, response, service=service, shapes=shapes_of(path), **more)


def _documents(
    method: str, path: str, scope: str | None, status: int, response: ResponseBody, **more: Any
) -> Operation:
    return _op("documents", method, path, scope, status, response, **more)


def _notifier(method: str, path: str, scope: str, status: int, response: ResponseBody, **more: Any) -> Operation:
    return _op("notifier", method, path, scope, status, response, **more)


def _templates(
    method: str, path: str, scope: str, status: int, response: ResponseBody, *, extension: bool = True, **more: Any
) -> Operation:
    return _op("documents", method, TEMPLATES + path, scope, status, response, extension=extension, **more)


def _campaigns(
    method: str, path: str, scope: str | None, status: int, response: ResponseBody, **more: Any
) -> Operation:
    return _op("documents", method, CAMPAIGNS + path, scope, status, response, **more)


D, S, W = DOCUMENTS, SIGNING, WEBHOOKS
# Signing API errors besides those derived from each operation's shape: a dead document is 410, a
# signer who has not verified their one-time code 403 (`otp-required`, or `otp-locked` after too
# many wrong codes), and acting out of turn or twice 409. Codes: 403 `otp-locked`, 429
# `otp-too-soon` / `otp-daily-limit`.
_SIGNING_ERRORS = (403, 409, 410)

# The order is the OpenAPI document's order of paths.
OPERATIONS: tuple[Operation, ...] = (
    _documents("GET", D, "documents.read", 200, DocumentListResponse, query=DocumentListQuery),
    _documents("POST", D, "documents.create", 201, DocumentCreatedResponse, request=DocumentCreate),
    _documents("GET", D + "/{id}", "documents.read", 200, DocumentDetailResponse),
    _documents("PATCH", D + "/{id}", "documents.write", 200, DocumentDetailResponse, request=DocumentUpdate),
    _documents("DELETE", D + "/{id}", "documents.delete", 204, None),
    _documents("GET", D + "/{id}/signers", "documents.read", 200, SignerListResponse),
    _documents("POST", D + "/{id}/signers", "documents.write", 201, SignerCreatedResponse, request=SignerCreate),
    _documents("PATCH", D + "/{id}/signers/{signerId}", "documents.write", 200, SignerResponse, request=SignerUpdate),
    _documents("DELETE", D + "/{id}/signers/{signerId}", "documents.write", 204, None),
    _documents("GET", D + "/{id}/fields", "documents.read", 200, FieldListResponse),
    _documents("POST", D + "/{id}/fields", "documents.write", 201, FieldResponse, request=FieldCreate),
    _documents("PATCH", D + "/{id}/fields/{fieldId}", "documents.write", 200, FieldResponse, request=FieldUpdate),
    _documents("DELETE", D + "/{id}/fields/{fieldId}", "documents.write", 204, None),
    _documents("GET", D + "/{id}/attachments", "documents.read", 200, AttachmentListResponse),
    # 409: not a draft (`document-not-draft`), or the 6th attachment (`attachment-limit`); 413 past
    # 10 MB; 415 not multipart; 422 a file that is not an accepted type or fails verification.
    _documents(
        "POST",
        D + "/{id}/attachments",
        "documents.write",
        201,
        AttachmentResponse,
        request=AttachmentUpload,
        request_media=MULTIPART,
        body_limit="attachment_max_bytes",
        extra_errors=(409, 413),
    ),
    # 409 when the document is no longer a draft.
    _documents("DELETE", D + "/{id}/attachments/{attId}", "documents.write", 204, None, extra_errors=(409,)),
    _op("audit", "GET", D + "/{id}/audit", "documents.read", 200, AuditTrail),
    # The stored chain recomputed against its recorded head; names the first entry that does not match.
    _op("audit", "GET", D + "/{id}/audit/verify", "documents.read", 200, AuditChainVerification),
    _documents("POST", D + "/{id}/upload", "documents.write", 200, UploadResponse, request=UploadRequest),
    # 409 while the document has no usable file (a GET is not otherwise assumed to depend on state).
    _documents("GET", D + "/{id}/download", "documents.read", 200, PDF_BODY, media_type=PDF_MEDIA, extra_errors=(409,)),
    _documents("POST", D + "/{id}/send", "documents.send", 200, SendResponse, request=EmptyRequest),
    _documents("POST", D + "/{id}/cancel", "documents.write", 200, CancelResponse, request=EmptyRequest),
    _documents("POST", D + "/{id}/remind", "documents.send", 200, RemindResponse, request=EmptyRequest),
    _documents(
        "POST",
        D + "/{id}/signers/{signerId}/signing-url",
        "documents.send",
        200,
        SigningUrlResponse,
        request=EmptyRequest,
    ),
    # Templates (docs/templates.md): the reference's list, get and use; the rest are Countersign's.
    _templates("GET", "", "templates.read", 200, TemplateListResponse, query=TemplateListQuery, extension=False),
    _templates("POST", "", "templates.create", 201, TemplateDetailResponse, request=TemplateCreate),
    _templates("GET", "/{id}", "templates.read", 200, TemplateDetailResponse, extension=False),
    _templates("PATCH", "/{id}", "templates.update", 200, TemplateDetailResponse, request=TemplateUpdate),
    _templates("DELETE", "/{id}", "templates.delete", 204, None),
    _templates("POST", "/{id}/upload", "templates.update", 200, UploadResponse, request=UploadRequest),
    # A new document (its detail); `send: true` also needs documents.send. 409 while the template
    # has no verified file (`template-file-missing`, `template-file-invalid`) or no role (`template-incomplete`).
    _templates(
        "POST",
        "/{id}/use",
        "documents.create",
        201,
        DocumentDetailResponse,
        request=TemplateUse,
        extension=False,
        body_scopes=("documents.send",),
    ),
    _templates("GET", "/{id}/roles", "templates.read", 200, TemplateRoleListResponse),
    _templates("POST", "/{id}/roles", "templates.update", 201, TemplateRoleResponse, request=RoleCreate),
    _templates("PATCH", "/{id}/roles/{roleId}", "templates.update", 200, TemplateRoleResponse, request=RoleUpdate),
    _templates("DELETE", "/{id}/roles/{roleId}", "templates.update", 204, None),
    _templates("GET", "/{id}/fields", "templates.read", 200, TemplateFieldListResponse),
    _templates("POST", "/{id}/fields", "templates.update", 201, TemplateFieldResponse, request=FieldCreate),
    _templates("PATCH", "/{id}/fields/{fieldId}", "templates.update", 200, TemplateFieldResponse, request=FieldUpdate),
    _templates("DELETE", "/{id}/fields/{fieldId}", "templates.update", 204, None),
    # Bulk sends (docs/templates.md): one document per signer from a one-slot template, all sent,
    # answered once all are made. 404 for the body's templateId; 409 as `use` (the template's file
    # or roles) and `template-not-single-signer`; 429 past 1 per 5 minutes per organisation.
    _documents("GET", BULK_SENDS, "bulk_sends.read", 200, BulkSendListResponse, query=BulkSendListQuery),
    _documents(
        "POST",
        BULK_SENDS,
        "bulk_sends.create",
        201,
        BulkSendResponse,
        request=BulkSendCreate,
        extra_errors=(404, 409),
    ),
    # The same from a CSV file (name, email, phone, and a column per prefilled field): Countersign's.
    _documents(
        "POST",
        BULK_SENDS + "/csv",
        "bulk_sends.create",
        201,
        BulkSendResponse,
        request=BulkSendCsvUpload,
        request_media=MULTIPART,
        extension=True,
        extra_errors=(404, 409),
    ),
    _documents("GET", BULK_SENDS + "/{id}", "bulk_sends.read", 200, BulkSendResponse),
    # Campaigns (docs/templates.md#campaigns): public links where each visitor signs their own
    # document from a template. 409 on create: the template is unusable (`campaign-template-unsuitable`,
    # `template-file-missing`, `template-file-invalid`).
    _campaigns("GET", "", "campaigns.read", 200, CampaignListResponse, query=CampaignListQuery),
    _campaigns("POST", "", "campaigns.create", 201, CampaignResponse, request=CampaignCreate, extra_errors=(409,)),
    _campaigns("GET", "/{id}", "campaigns.read", 200, CampaignResponse),
    _campaigns("PATCH", "/{id}", "campaigns.update", 200, CampaignResponse, request=CampaignUpdate),
    _campaigns("DELETE", "/{id}", "campaigns.delete", 204, None),
    # The visitor of the public link (no API key): 200 with their signing link, a new document's or
    # (same email, not yet signed) their earlier one's; 409 `campaign-paused`, `campaign-closed`,
    # `campaign-expired`, `campaign-full`; 429 the address's or the email's budget
    # (services/gateway/campaign_limits.py).
    _campaigns(
        "POST",
        "/{id}/submissions",
        None,
        200,
        CampaignSubmittedResponse,
        request=CampaignSubmission,
        extension=True,
        extra_errors=(429,),
    ),
    _notifier("GET", W, "webhooks.read", 200, WebhookListResponse),
    # 409: creating the 11th webhook of an organisation.
    _notifier("POST", W, "webhooks.create", 201, WebhookCreatedResponse, request=WebhookCreate, extra_errors=(409,)),
    _notifier("GET", W + "/{id}", "webhooks.read", 200, WebhookResponse),
    _notifier("PATCH", W + "/{id}", "webhooks.update", 200, WebhookResponse, request=WebhookUpdate),
    _notifier("DELETE", W + "/{id}", "webhooks.delete", 204, None),
    _notifier("GET", W + "/{id}/deliveries", "webhooks.read", 200, DeliveryListResponse),
    _notifier(
        "POST",
        W + "/{id}/deliveries/{deliveryId}/redeliver",
        "webhooks.update",
        202,
        DeliveryResponse,
        request=WebhookEmptyRequest,
    ),
    # The organisation's seal certificate chain (docs/signed-pdf.md), issued by the documents service.
    _documents("GET", ORG + "/certificate", "org.read", 200, PEM_CHAIN_BODY, media_type=PEM_CHAIN_MEDIA),
    # The organisation's own certificate (PKCS#12, multipart), replacing the platform-issued one; 409
    # `certificate-in-use` when another organisation already seals with it.
    _documents(
        "PUT",
        ORG + "/certificate",
        "org.write",
        200,
        PEM_CHAIN_BODY,
        media_type=PEM_CHAIN_MEDIA,
        request=CertificateUpload,
        request_media=MULTIPART,
        extra_errors=(409,),
    ),
    # Back to the platform-issued certificate: the uploaded one is deleted; idempotent (never 404), the
    # answer is the chain in force afterwards, as GET.
    _documents("DELETE", ORG + "/certificate", "org.write", 200, PEM_CHAIN_BODY, media_type=PEM_CHAIN_MEDIA),
    # Verification of a PDF by anyone (docs/signed-pdf.md): no API key, a multipart upload; 429 is the
    # client address's budget (VERIFY_RATE_LIMIT_PER_MINUTE, services/gateway/verify_limits.py).
    _documents(
        "POST", VERIFY_PATH, None, 200, VerifyResult, request=VerifyUpload, request_media=MULTIPART, extra_errors=(429,)
    ),
    # The signer-facing API: no API key; the signing token in the path is the credential.
    _documents("GET", S, None, 200, SigningSessionResponse, extra_errors=(409, 410)),
    # What the link leads to, 200 for every link (the page shows dead ends without an error status).
    _documents("GET", S + "/state", None, 200, LinkStateResponse, extension=True),
    _documents("GET", S + "/file", None, 200, SIGNING_PDF_BODY, media_type=PDF_MEDIA, extra_errors=_SIGNING_ERRORS),
    # An attachment of the signer's document, as the PDF it was verified into; as /file.
    _documents(
        "GET",
        S + "/attachments/{attId}",
        None,
        200,
        SIGNING_PDF_BODY,
        media_type=PDF_MEDIA,
        extra_errors=_SIGNING_ERRORS,
    ),
    # The signer's file for an attachment field (multipart, field `file`), judged like any upload;
    # replaces an earlier one. As /sign: 403 before the code, 409 out of turn, 410 once over.
    _documents(
        "POST",
        S + "/fields/{fieldId}/attachment",
        None,
        201,
        SigningAttachmentResponse,
        request=AttachmentUpload,
        request_media=MULTIPART,
        body_limit="attachment_max_bytes",
        extra_errors=(*_SIGNING_ERRORS, 413),
    ),
    # A picture of the signer's signature (multipart, field `file`, PNG or JPEG), cleaned into the PNG
    # to send with /sign; nothing is stored. 413 past SIGNATURE_UPLOAD_MAX_BYTES; 422 with the code
    # `signature-image-type`, `-polyglot`, `-too-large` (pixels), `-invalid` or `-blank`.
    _documents(
        "POST",
        S + "/fields/{fieldId}/signature-image",
        None,
        200,
        SignatureImageResponse,
        request=SignatureImageUpload,
        request_media=MULTIPART,
        body_limit="signature_upload_max_bytes",
        extra_errors=(*_SIGNING_ERRORS, 413),
        extension=True,
    ),
    _documents(
        "POST", S + "/sign", None, 200, SigningOutcomeResponse, request=SignRequest, extra_errors=_SIGNING_ERRORS
    ),
    _documents(
        "POST", S + "/approve", None, 200, SigningOutcomeResponse, request=EmptyRequest, extra_errors=_SIGNING_ERRORS
    ),
    _documents(
        "POST", S + "/decline", None, 200, SigningOutcomeResponse, request=DeclineRequest, extra_errors=_SIGNING_ERRORS
    ),
    _documents("POST", S + "/otp", None, 202, OtpSentResponse, request=EmptyRequest, extra_errors=(403, 409, 410, 429)),
    _documents(
        "POST",
        S + "/otp/verify",
        None,
        200,
        OtpVerifiedResponse,
        request=OtpVerifyRequest,
        extra_errors=(403, 409, 410),
    ),
    # 409 before completion or while on hold, 410 after another ending or once the retention ended.
    _documents("GET", S + "/download", None, 200, SIGNED_COPY_BODY, media_type=PDF_MEDIA, extra_errors=(409, 410)),
    # As the PDF of the signing API: 403 before the one-time code, 409 on hold, 410 once the
    # document is over; 503 when the page cannot be rendered within the limits or storage is away.
    _documents(
        "GET",
        S + "/pages/{page}",
        None,
        200,
        PNG_BODY,
        query=PageQuery,
        media_type=PNG,
        extra_errors=(403, 409, 410, 503),
    ),
    # The gateway's own: organisations and members live in its database; and this description.
    _op("gateway", "GET", ORG, "org.read", 200, OrganizationResponse),
    _op("gateway", "GET", ORG + "/members", "org.read", 200, MemberListResponse),
    # The organisation's logo (multipart, field `file`, PNG or JPEG up to 512 KB), checked and rebuilt
    # by the documents service's sandbox pool (POST /internal/logos/check)
    # as a PNG; shown on the signing page and in emails of documents created afterwards. 422 with
    # `logo-type`, `logo-polyglot`, `logo-too-large` (pixels) or `logo-invalid`; 413 past 512 KB.
    _op(
        "gateway",
        "PUT",
        ORG + "/logo",
        "org.write",
        200,
        OrganizationLogoResponse,
        request=LogoUpload,
        request_media=MULTIPART,
        extra_errors=(413,),
        extension=True,
    ),
    _op("gateway", "DELETE", ORG + "/logo", "org.write", 204, None, extension=True),
    _op("gateway", "GET", OPENAPI_PATH, None, 200, OPENAPI_DOCUMENT_SCHEMA),
)


def check_unique(operations: tuple[Operation, ...]) -> None:
    seen: set[Key] = set()
    for op in operations:
        if op.key in seen:
            raise ValueError(f"the route table lists {op.method} {op.path} twice")
        seen.add(op.key)


check_unique(OPERATIONS)
BY_KEY: Mapping[Key, Operation] = MappingProxyType({op.key: op for op in OPERATIONS})


def served_by(service: Service) -> tuple[Operation, ...]:
    """The operations `service` answers, in table order."""
    return tuple(op for op in OPERATIONS if op.service == service)


def scope_of(method: str, path: str) -> str | None:
    return BY_KEY[(method, path)].scope
