// French by default, English on request; the choice is remembered on this device.
import fr from "./locales/fr.js";
import en from "./locales/en.js";

const DICTIONARIES = { fr, en };
const STORAGE = "cs.lang";
let current = DICTIONARIES[localStorage.getItem(STORAGE)] ? localStorage.getItem(STORAGE) : "fr";

export function lang() {
  return current;
}

export function locale() {
  return current === "fr" ? "fr-FR" : "en-GB";
}

export function setLang(code) {
  current = DICTIONARIES[code] ? code : "fr";
  localStorage.setItem(STORAGE, current);
  document.documentElement.lang = current;
}

/** The text for ``key`` in the current language; ``{name}`` is replaced from ``vars``. */
export function t(key, vars = {}) {
  const entry = DICTIONARIES[current][key] ?? DICTIONARIES.fr[key];
  if (entry === undefined) return key;
  const text = typeof entry === "function" ? entry(vars) : entry;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** The text for ``key`` if there is one, else ``fallback`` (e.g. a state name we don't know). */
export function tOr(key, fallback) {
  const entry = DICTIONARIES[current][key] ?? DICTIONARIES.fr[key];
  return entry === undefined ? fallback : t(key);
}

/** A validation message of the API in the user's language when we know it. */
export function translateMessage(message) {
  const known = DICTIONARIES[current].messages || [];
  for (const [pattern, replacement] of known) {
    const match = message.match(pattern);
    if (match) return typeof replacement === "function" ? replacement(...match.slice(1)) : replacement;
  }
  return message;
}

document.documentElement.lang = current;
