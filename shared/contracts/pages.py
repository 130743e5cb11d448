"""GET /api/v1/signing/{token}/pages/{page}: one page of the document to sign, as a PNG.

The signing page shows these images with the signer's fields drawn over them (docs/signing-page.md).
The answer is an image, not JSON: the route table (shared/contracts/routes.py) describes it by the
raw JSON schema PNG_BODY and its media type, as it does the PDF download. Every service may import
this module, so it holds only models and constants (the documents service's page_render uses them).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PNG = "image/png"
# Scales a client may ask for (pixels per point); a few steps keep the cache to a few entries
# per page while covering a phone (about 1.5–2) to a high-density desktop screen (3).
MIN_SCALE, MAX_SCALE, SCALE_STEP, DEFAULT_SCALE = 0.5, 3.0, 0.5, 2.0
# Whatever the scale, an image stays within these: a poster-sized page (PDF allows 200 inches)
# must not become a gigapixel bitmap. 4096 px on the long side is sharp on any screen.
MAX_SIDE_PX = 4096
MAX_PIXELS = 12_000_000


class PageQuery(BaseModel):
    """Query of GET /api/v1/signing/{token}/pages/{page} (page: 1 to pageCount)."""

    # Not strict: query values arrive as strings ("1.5").
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    scale: float = Field(
        default=DEFAULT_SCALE,
        ge=MIN_SCALE,
        le=MAX_SCALE,
        description=(
            f"Pixels per PDF point, {MIN_SCALE}–{MAX_SCALE}, rounded up to a multiple of 0.5; lowered for large pages so "
            f"that an image stays within {MAX_SIDE_PX} px a side and {MAX_PIXELS // 1_000_000} megapixels"
        ),
    )


PNG_BODY: dict[str, Any] = {
    "description": (
        "The page as the signer sees it (CropBox, rotation applied), rendered from the verified PDF. "
        "Sent with a strong ETag (If-None-Match answers 304) and `Cache-Control: private`."
    ),
    "contentMediaType": PNG,
}
