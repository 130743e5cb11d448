"""The campaign page's HTML (pure, no I/O). Every text that comes from the campaign is escaped
here (html.escape, quotes included); nothing from it goes into a script, a style or a URL, so the
escaping is the whole of the defence, together with the CSP that forbids inline script and style.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any

BRAND = re.compile(r"#[0-9A-Fa-f]{6}")

# What the visitor reads for each state the documents service reports (campaign_rules.page_state).
STATE_TEXT = {
    "campaign-paused": ("This campaign is paused", "It takes no new submissions for now. Please try again later."),
    "campaign-closed": ("This campaign is closed", "It no longer takes submissions."),
    "campaign-expired": ("This campaign has ended", "Its closing date has passed; it no longer takes submissions."),
    "campaign-full": ("This campaign is full", "It has reached its maximum number of submissions."),
    "not-found": ("This link is not valid", "Check the address, or ask whoever sent it for a new one."),
    "unavailable": ("This page is not available right now", "Please try again in a few minutes."),
}


def _document(title: str, body: str, assets: str, main_attributes: str = "") -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>{escape(title)}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{assets}/campaign.css">
  <script type="module" src="{assets}/campaign.js"></script>
</head>
<body>
  <main id="campaign" class="main"{main_attributes}>
{body}
  </main>
</body>
</html>
"""


def state_page(state: str, assets: str) -> str:
    """A page with no form: the campaign takes no visitor now, or the link is unknown."""
    title, text = STATE_TEXT[state]
    body = f'    <h1>{escape(title)}</h1>\n    <p class="state" data-state="{escape(state)}">{escape(text)}</p>'
    return _document(title, body, assets)


def form_page(campaign_id: str, view: Mapping[str, Any], assets: str) -> str:
    """The open campaign: its welcome texts and the visitor's form."""
    title = view.get("welcomeTitle") or view["name"]
    message = view.get("welcomeMessage")
    color = view.get("brandColor")
    attributes = f' data-campaign="{escape(campaign_id)}"'
    if isinstance(color, str) and BRAND.fullmatch(color):  # validated on input too; checked again here
        attributes += f' data-brand="{color}"'
    phone = (
        '      <label for="phone">Phone</label>\n'
        '      <input id="phone" name="phone" type="tel" autocomplete="tel" required maxlength="20">\n'
        if view.get("collectPhone")
        else ""
    )
    otp = (
        '    <p class="note">Before signing, you will be asked for a code sent to this email address.</p>\n'
        if view.get("requireOtp")
        else ""
    )
    body = f"""    <h1 id="welcome-title">{escape(title)}</h1>
{f'    <p id="welcome-message" class="welcome">{escape(message)}</p>' if message else ""}
    <form id="visitor" class="visitor" novalidate>
      <label for="name">Full name</label>
      <input id="name" name="name" type="text" autocomplete="name" required maxlength="200">
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="email" required maxlength="254">
{phone}      <p id="error" class="error" role="alert" hidden></p>
      <button id="submit" type="submit">Continue to sign</button>
    </form>
{otp}"""
    return _document(title, body, assets, attributes)
