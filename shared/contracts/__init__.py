"""The contracts between Countersign's parts, declared once and imported by every side.

Services never import each other's modules; what two of them must agree on lives here:

- routes.py: the public route table of /api/v1 — every operation with its method, path, scope,
  serving service, path-parameter shapes (path_params.py) and models; the gateway's routing,
  the OpenAPI document and the check of each service's router all read it;
- the public models, by resource: common.py (shared building blocks), document_requests.py,
  document_responses.py, files.py, signing.py, pages.py, audit.py, webhooks.py, org.py; with the
  input rules they apply (rules.py) and the kinds of removed active content (active_content.py);
- internal.py and wpsigner.py: what the documents and audit services answer other services on
  their /internal/ endpoints.

Modules here hold models, constants and pure functions only (no I/O, nothing of a service).
"""
