"""HTTP handlers of /api/v1/campaigns (docs/templates.md#campaigns): parse → use case → view;
and the gateway's internal question for the public page /sign/campaign/{id}."""

from __future__ import annotations

from aiohttp import web

from services.documents.api import campaign_views as views
from services.documents.api.routes import page_of, parse_query, respond
from services.documents.commands import campaign_submissions, campaigns
from services.documents.commands.deps import DEPS
from services.documents.domain.template_use import Person
from shared.callers import add_internal_route
from shared.context import org_id_of, request_context
from shared.contracts.campaigns import (
    CampaignCreate,
    CampaignListQuery,
    CampaignResponse,
    CampaignSubmission,
    CampaignSubmitted,
    CampaignSubmittedResponse,
    CampaignUpdate,
)
from shared.contracts.path_params import CAMPAIGN_ID
from shared.contracts.routes import CAMPAIGNS as C
from shared.i18n import negotiate
from shared.web import json_response, path_id, read_model


def _campaign_id(request: web.Request) -> str:
    return path_id(request, "id", "Campaign")


def _public_url(request: web.Request) -> str:
    return request.app[DEPS].settings.public_url


async def list_campaigns(request: web.Request) -> web.Response:
    query = parse_query(request, CampaignListQuery)
    found = await campaigns.list_campaigns(
        request.app[DEPS].pool, org_id_of(request), status=query.status, search=query.search, page=page_of(request)
    )
    return respond(views.campaign_page(found.rows, found.meta, _public_url(request)))


async def create_campaign(request: web.Request) -> web.Response:
    body = await read_model(request, CampaignCreate)
    row = await campaigns.create_campaign(
        request.app[DEPS], org_id_of(request), request_context(request), body.model_dump(exclude_unset=True)
    )
    return respond(CampaignResponse(data=views.campaign(row, _public_url(request))), 201)


async def get_campaign(request: web.Request) -> web.Response:
    row = await campaigns.get_campaign(request.app[DEPS].pool, org_id_of(request), _campaign_id(request))
    return respond(CampaignResponse(data=views.campaign(row, _public_url(request))))


async def update_campaign(request: web.Request) -> web.Response:
    campaign_id = _campaign_id(request)
    body = await read_model(request, CampaignUpdate)
    row = await campaigns.update_campaign(request.app[DEPS].pool, org_id_of(request), campaign_id, body.given())
    return respond(CampaignResponse(data=views.campaign(row, _public_url(request))))


async def delete_campaign(request: web.Request) -> web.Response:
    await campaigns.delete_campaign(request.app[DEPS].pool, org_id_of(request), _campaign_id(request))
    return web.Response(status=204)


async def submit(request: web.Request) -> web.Response:
    """A visitor of the public link (no API key): the campaign is found by its id alone."""
    campaign_id = _campaign_id(request)
    body = await read_model(request, CampaignSubmission)
    done = await campaign_submissions.submit(
        request.app[DEPS],
        campaign_id,
        request_context(request),
        Person(body.name, body.email, body.phone),
        browser_language=negotiate(request.headers.get("Accept-Language")),
    )
    answer = CampaignSubmittedResponse(data=CampaignSubmitted(signingUrl=done.signing_url, existing=done.existing))
    return respond(answer)


async def internal_page(request: web.Request) -> web.Response:
    """GET /internal/campaigns/{id}/page: what the gateway's public page shows, or 404."""
    campaign_id = request.match_info["id"]
    if not CAMPAIGN_ID.fits(campaign_id):
        raise campaigns.campaign_not_found()
    row, state = await campaign_submissions.public_view(request.app[DEPS].pool, campaign_id)
    return json_response(views.public_view(row, state))


def add_campaign_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(C, list_campaigns)
    router.add_post(C, create_campaign)
    router.add_get(C + "/{id}", get_campaign)
    router.add_patch(C + "/{id}", update_campaign)
    router.add_delete(C + "/{id}", delete_campaign)
    router.add_post(C + "/{id}/submissions", submit)
    add_internal_route(app, "GET", "/internal/campaigns/{id}/page", internal_page, callers=("gateway",))
