"""The WPsigner REST API (`/wp-json/wpsigner/v1/`): a translation layer over the documents core.

`mount(app)` adds it to the gateway: its settings, its middleware (admission + WordPress error
shape, acting only under the prefix) and its routes. docs/wpsigner.md describes the surface.
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import SETTINGS
from services.gateway.wpsigner import documents, people
from services.gateway.wpsigner.config import wp_config
from services.gateway.wpsigner.creation import create_document
from services.gateway.wpsigner.middleware import CONFIG, PREFIX, wpsigner_middleware
from shared.web import Handler

D = PREFIX + "/documents"

ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", D, documents.list_documents),
    ("POST", D, create_document),
    ("GET", D + "/{id}", documents.get_document),
    # WordPress routes accept PUT, PATCH and POST for an edit (WP_REST_Server::EDITABLE).
    ("PUT", D + "/{id}", documents.update_document),
    ("PATCH", D + "/{id}", documents.update_document),
    ("POST", D + "/{id}", documents.update_document),
    ("DELETE", D + "/{id}", documents.delete_document),
    ("POST", D + "/{id}/send", documents.send_document),
    ("GET", D + "/{id}/file", documents.get_file),
    ("GET", D + "/{id}/audit", documents.get_audit),
    ("GET", D + "/{id}/signers", people.list_signers),
    ("POST", D + "/{id}/signers", people.add_signer),
    ("GET", D + "/{id}/fields", people.list_fields),
    ("POST", D + "/{id}/fields", people.add_field),
)


def mount(app: web.Application) -> None:
    app[CONFIG] = wp_config(app[SETTINGS])
    app.middlewares.append(wpsigner_middleware)
    for method, path, handler in ROUTES:
        # WordPress answers a route with or without its trailing slash, and HEAD wherever GET;
        # except the file route: handing out a download URL is an audited event.
        for variant in (path, path + "/"):
            if method == "GET":
                app.router.add_get(variant, handler, allow_head=not path.endswith("/file"))
            else:
                app.router.add_route(method, variant, handler)
