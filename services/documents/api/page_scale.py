"""The scale of a page image: the client's `scale` snapped to a few steps, then lowered until the
image fits the caps the API documents (api/page_schemas.py). The renderer (adapters/page_render)
only renders what it is given; the policy of what may be asked for sits with the contract."""

from __future__ import annotations

import math

from shared.contracts.pages import DEFAULT_SCALE, MAX_PIXELS, MAX_SCALE, MAX_SIDE_PX, MIN_SCALE, SCALE_STEP

# The bitmap the renderer's child process may allocate: the cap, with room for pdfium rounding
# each side up to a whole pixel.
RENDER_MAX_PIXELS = MAX_PIXELS + MAX_SIDE_PX * 2


def quantize_scale(requested: float) -> float:
    """The requested scale snapped up to the next step within [MIN_SCALE, MAX_SCALE]."""
    if not math.isfinite(requested):
        return DEFAULT_SCALE
    stepped = math.ceil(requested / SCALE_STEP - 1e-9) * SCALE_STEP
    return min(MAX_SCALE, max(MIN_SCALE, stepped))


def effective_scale(width_pt: float, height_pt: float, requested: float) -> float:
    """Pixels per point for this page: the client's step, lowered until the image fits the caps
    (to two decimals, rounded down, so the cap holds after pdfium rounds the pixel size up)."""
    scale = quantize_scale(requested)
    if width_pt <= 0 or height_pt <= 0:
        return scale
    cap = min(MAX_SIDE_PX / max(width_pt, height_pt), math.sqrt(MAX_PIXELS / (width_pt * height_pt)))
    if scale <= cap:
        return scale
    return max(math.floor(cap * 100) / 100, 0.01)
