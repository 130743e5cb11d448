// The verification page: sends the chosen PDF to POST /api/v1/verify on this origin and shows
// the verdict. Text only goes into the page through textContent: nothing from the answer is HTML.

const GOOD = new Set(["authentic"]);
const TITLES = {
  "authentic": "Authentic: sealed by Countersign and unchanged",
  "sealed-unrecorded": "Validly sealed, but not on record",
  "original": "An unsigned original",
  "appended": "Changed after it was sealed",
  "untrusted-seal": "Signed, but not by Countersign",
  "tampered": "Tampered with",
  "rewritten": "Re-saved after it was sealed",
  "truncated": "Incomplete file",
  "unknown": "Not a Countersign document",
  "unreadable": "Not a readable PDF",
};

const $ = (id) => document.getElementById(id);

function row(list, label, value) {
  if (value === null || value === undefined || value === "") return;
  const dt = document.createElement("dt");
  dt.textContent = label;
  const dd = document.createElement("dd");
  dd.textContent = typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
  list.append(dt, dd);
}

function show(verdict, message, rows) {
  const result = $("result");
  result.hidden = false;
  result.className = "result " + (GOOD.has(verdict) ? "good" : "bad");
  result.dataset.verdict = verdict;
  $("verdict-title").textContent = TITLES[verdict] || verdict;
  $("verdict-message").textContent = message;
  const list = $("details");
  list.replaceChildren();
  for (const [label, value] of rows) row(list, label, value);
}

async function verify(file) {
  show("checking", "Checking " + file.name + "…", []);
  $("verdict-title").textContent = "Checking…";
  const body = new FormData();
  body.append("file", file, file.name);
  let answer;
  try {
    answer = await fetch("/api/v1/verify", { method: "POST", body, credentials: "omit" });
  } catch {
    show("error", "The verification service could not be reached. Try again shortly.", []);
    return;
  }
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    show("error", data.detail || "The file could not be checked.", []);
    $("verdict-title").textContent = answer.status === 429 ? "Too many checks" : "Not checked";
    return;
  }
  const seal = data.seal || {};
  const doc = data.document || {};
  show(data.verdict, data.message, [
    ["Document", doc.name], ["Document ID", doc.id], ["Completed", doc.completedAt],
    ["Matches our record", data.matchesRecord],
    ["Sealed by organisation", seal.organizationId], ["Seal intact", seal.intact],
    ["Seal trusted", seal.trusted], ["Covers the whole file", seal.coversWholeFile],
    ["Timestamp", seal.timestampAt], ["File SHA-256", data.fileSha256],
  ]);
}

const drop = $("drop");
$("file").addEventListener("change", (event) => {
  const file = event.target.files[0];
  if (file) verify(file);
});
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  const file = event.dataTransfer.files[0];
  if (file) verify(file);
});
