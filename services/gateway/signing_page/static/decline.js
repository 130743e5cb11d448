// Declining: a dialog that asks why (the reason goes to the sender), then POST …/decline.

import { api } from "./api.js";
import { byId } from "./dom.js";
import { t } from "./i18n.js";

// onDeclined(): the signer declined. onGone(error): the document is no longer open for them.
export function openDecline({ onDeclined, onGone }) {
  const dialog = byId("decline-dialog");
  const form = byId("decline-form");
  const reason = byId("decline-reason");
  const error = byId("decline-error");
  const confirm = byId("decline-confirm");
  const opener = document.activeElement;
  error.textContent = "";
  reason.removeAttribute("aria-invalid");

  byId("decline-cancel").onclick = () => dialog.close();
  dialog.onclose = () => {
    if (opener && opener.isConnected) opener.focus();
  };
  form.onsubmit = async (event) => {
    event.preventDefault();
    const text = reason.value.trim();
    if (!text) {
      error.textContent = t("Please tell the sender why you are declining.");
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      return;
    }
    confirm.disabled = true;
    try {
      await api.decline(text);
      dialog.onclose = null;
      dialog.close();
      onDeclined();
    } catch (err) {
      if ([404, 409, 410].includes(err.status)) {
        dialog.onclose = null;
        dialog.close();
        onGone(err);
        return;
      }
      error.textContent = err.status === 0
        ? t("We couldn't reach the server. Check your connection and try again.")
        : t("Something went wrong. Please try again.");
    } finally {
      confirm.disabled = false;
    }
  };
  dialog.showModal();
  reason.focus();
}
