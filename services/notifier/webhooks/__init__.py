"""Customer webhooks (the inSigner webhook API): CRUD, signed deliveries with persisted retries,
and an SSRF guard. docs/webhooks.md is the customer-facing description.

Wired into the notifier app by two hooks (and the consumer's handler queues deliveries with
`fanout.queue_deliveries`):
- `add_routes(app)`: the /api/v1/webhooks API;
- `delivery_worker_ctx`: the cleanup_ctx entry running the delivery worker.

Modules: models (bodies), routes -> service -> repository / delivery_repository (SQL),
fanout (events -> delivery rows), worker -> sender (HTTP) -> resolver (checked DNS),
rotation (`countersign secrets rotate`); pure: ssrf, signing, secret_store (secrets sealed at
rest), retry, payload, views, config.
"""

from services.notifier.webhooks.routes import add_routes
from services.notifier.webhooks.worker import delivery_worker_ctx

__all__ = ["add_routes", "delivery_worker_ctx"]
