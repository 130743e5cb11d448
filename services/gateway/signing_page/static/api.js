// The signer-facing API (/api/v1/signing/{token}/…) on this origin. The token is read from this
// page's own URL (/sign/{token}) and only ever sent back to this origin. No cookies are used:
// the token in the path is the whole credential, so the page also works inside a third-party frame.

function readToken() {
  const parts = window.location.pathname.split("/");
  const at = parts.indexOf("sign");
  return at >= 0 && parts[at + 1] ? decodeURIComponent(parts[at + 1]) : "";
}

export const token = readToken();
const base = `/api/v1/signing/${encodeURIComponent(token)}`;

export const fileUrl = `${base}/file`;
export const downloadUrl = `${base}/download`;

export function attachmentUrl(id) {
  return `${base}/attachments/${encodeURIComponent(id)}`;
}

export function pageUrl(page, scale) {
  return `${base}/pages/${page}?scale=${scale}`;
}

// A problem+json answer (RFC 9457), or a network failure (status 0).
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `Request failed (${status})`);
    this.status = status;
    this.slug = problem && typeof problem.type === "string" ? problem.type.split("/").pop() : "";
    this.errors = (problem && Array.isArray(problem.errors)) ? problem.errors : [];
  }
}

async function call(method, path, body) {
  const init = { method, credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer", headers: {} };
  if (body instanceof FormData) {
    init.body = body;  // multipart: the browser writes the Content-Type with its boundary
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(base + path, init);
  } catch {
    throw new ApiError(0, { detail: "The network is unavailable" });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const api = {
  summary: () => call("GET", ""),
  // What the link leads to, answered 200 even for a dead link (nothing for the console to log).
  state: () => call("GET", "/state"),
  sign: (consent, fields) => call("POST", "/sign", { consent, fields }),
  approve: () => call("POST", "/approve", {}),
  decline: (reason) => call("POST", "/decline", { reason }),
  requestCode: () => call("POST", "/otp", {}),
  verifyCode: (code) => call("POST", "/otp/verify", { code }),
  uploadAttachment(fieldId, file) {
    const form = new FormData();
    form.append("file", file, file.name);
    return call("POST", `/fields/${encodeURIComponent(fieldId)}/attachment`, form);
  },
  uploadSignatureImage(fieldId, file) {
    const form = new FormData();
    form.append("file", file, file.name);
    return call("POST", `/fields/${encodeURIComponent(fieldId)}/signature-image`, form);
  },
};
