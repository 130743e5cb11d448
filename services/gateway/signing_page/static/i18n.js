// The page's language (docs/languages.md): the catalogue of the scripts, the language switcher,
// and dates as the signer's language writes them.
//
// Every message is written `t("English text")` (or `t("… %(name)s …", { name })`): `make i18n`
// extracts them into shared/locale/*/LC_MESSAGES/page.po, and the gateway serves each language's
// translations as messages-<code>.json beside this file. page.html's own texts carry
// `data-i18n="msgid"` and are re-translated here when the language changes.
//
// Which language: the one the signer picked in the switcher (kept for this tab), else the
// signer's `language` (else the document's) from the signing API, else the one the gateway chose
// from Accept-Language (the page's <html lang>), else English.

import { byId } from "./dom.js";

const CHOSEN_KEY = "countersign.language";
let current = "en";
let messages = {};
let choices = [];
const listeners = [];
const loaded = new Map();

function fill(text, values) {
  if (!values) return text;
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// The message in the page's language (English when untranslated), with %(name)s filled in.
export function t(msgid, values) {
  return fill(messages[msgid] || msgid, values);
}

export function language() {
  return current;
}

function chosen() {
  try {
    return window.sessionStorage.getItem(CHOSEN_KEY);
  } catch {
    return null; // storage blocked (some embedded frames): the choice lasts until reload
  }
}

async function catalogueOf(code) {
  if (!loaded.has(code)) {
    const url = new URL(`./messages-${code}.json`, import.meta.url);
    loaded.set(code, fetch(url).then((answer) => {
      if (!answer.ok) throw new Error(`catalogue ${code}: ${answer.status}`);
      return answer.json();
    }));
  }
  try {
    return await loaded.get(code);
  } catch {
    loaded.delete(code);
    return null; // the page stays in the language it has
  }
}

async function use(code) {
  const catalogue = await catalogueOf(code);
  if (!catalogue) return false;
  current = catalogue.language;
  messages = catalogue.messages || {};
  choices = catalogue.languages || choices;
  document.documentElement.lang = current;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  renderSwitcher();
  return true;
}

// At start: the language the gateway rendered the page in, unless the signer picked one before.
export async function startLanguage() {
  await use(chosen() || document.documentElement.lang || "en");
}

// Once the signing API has answered: the signer's (or document's) language, unless picked.
export async function adoptLanguage(code) {
  if (!code || chosen() || code === current) return false;
  return use(code);
}

// listener(): re-render what is on screen in the new language, keeping what the signer entered.
export function onLanguageChange(listener) {
  listeners.push(listener);
}

function renderSwitcher() {
  const select = byId("language-select");
  if (!select || !choices.length) return;
  select.replaceChildren(...choices.map(({ code, name }) => {
    const option = document.createElement("option");
    option.value = code;
    option.lang = code;
    option.textContent = name;
    option.selected = code === current;
    return option;
  }));
  select.onchange = async () => {
    try {
      window.sessionStorage.setItem(CHOSEN_KEY, select.value);
    } catch {
      // not kept across reloads; the switch itself still works
    }
    if (await use(select.value)) for (const listener of listeners) listener();
  };
  byId("language").hidden = false;
}

// "December 4, 2026", "4. Dezember 2026", "4 de diciembre de 2026": the browser's CLDR data, as
// Babel's on the server, so the field previews read as the signed PDF will.
export function longDate(isoDate) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate || "");
  if (!match) return isoDate || "";
  const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(current, { dateStyle: "long", timeZone: "UTC" }).format(day);
}
