// The record each workshop step hands in with the transition that ends it: the checklist
// when leaving diagnosing, the wipe when leaving wiping, the repair, the grade, the scrap.
import { h } from "../dom.js";
import { field, radios } from "../forms.js";
import { t } from "../i18n.js";

export const CHECKS = ["screen", "battery", "charging", "radio_wifi", "camera", "audio", "buttons", "storage"];

/** Which record goes with ``from -> to`` (null: none). The API checks it; this picks the form. */
export function recordKind(from, to) {
  if (to === "scrapped") return "scrap";
  if (from === "diagnosing") return "diagnosis";
  if (from === "wiping") return "wipe";
  if (from === "repairing") return "repair";
  if (to === "available") return "grade";
  return null;
}

function localNow() {
  const now = new Date();
  now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
  return now.toISOString().slice(0, 16);
}

function operator(prefix, legend) {
  return h("fieldset", null, h("legend", null, legend),
    h("div", { class: "grid" },
      field({ name: `${prefix}.person`, label: t("wipe.person"), required: true }),
      field({ name: `${prefix}.title`, label: t("wipe.jobTitle"), required: true }),
      field({ name: `${prefix}.at`, label: t("wipe.at"), type: "datetime-local", required: true, value: localNow() }),
      field({ name: `${prefix}.location`, label: t("wipe.location"), required: true })));
}

function options(prefix, list) {
  return list.map((value) => ({ value, label: t(`${prefix}.${value}`) }));
}

const FORMS = {
  diagnosis: () => {
    const checks = CHECKS.map((check) => radios({
      name: `diagnosis.${check}`, legend: t(`check.${check}`),
      options: options("result", ["pass", "fail", "not_applicable"]),
    }));
    const allPass = h("button", {
      type: "button", class: "secondary",
      onclick: (event) => {
        event.currentTarget.form.querySelectorAll('input[type="radio"][value="pass"]').forEach((radio) => { radio.checked = true; });
      },
    }, t("diagnosis.allPass"));
    return [
      h("p", null, t("diagnosis.intro")),
      h("div", { class: "actions" }, allPass),
      h("div", { class: "grid" }, checks),
      field({ name: "diagnosis.battery_health_percent", label: t("diagnosis.batteryHealth"), type: "number", hint: t("diagnosis.batteryHint"), attrs: { min: 0, max: 100 } }),
      field({ name: "diagnosis.note", label: t("form.note"), type: "textarea" }),
    ];
  },
  wipe: () => [
    h("div", { class: "grid" },
      field({ name: "wipe.level", label: t("wipe.level"), type: "select", required: true, options: [{ value: "", label: t("form.choose") }, ...options("level", ["clear", "purge", "destroy"])] }),
      field({ name: "wipe.method", label: t("wipe.method"), type: "select", required: true, options: [{ value: "", label: t("form.choose") }, ...options("method", ["overwrite", "block_erase", "crypto_erase", "factory_reset", "degauss", "physical_destruction"])] }),
      field({ name: "wipe.tool", label: t("wipe.tool"), required: true }),
      field({ name: "wipe.tool_version", label: t("wipe.toolVersion"), required: true }),
      field({ name: "wipe.media_type", label: t("wipe.mediaType"), required: true, hint: t("wipe.mediaTypeHint") }),
      field({ name: "wipe.media_source", label: t("wipe.mediaSource"), required: true, value: t("wipe.mediaSourceDefault") }),
      field({ name: "wipe.destination", label: t("wipe.destination"), required: true, value: t("wipe.destinationDefault") })),
    radios({ name: "wipe.verification_method", legend: t("wipe.verification"), required: true, options: options("verification", ["full", "sampled"]) }),
    operator("wipe.sanitised_by", t("wipe.sanitisedBy")),
    operator("wipe.verified_by", t("wipe.verifiedBy")),
    field({ name: "wipe.note", label: t("form.note"), type: "textarea" }),
  ],
  repair: () => [
    h("fieldset", null, h("legend", null, t("repair.part")),
      h("div", { class: "grid" },
        field({ name: "repair.parts.0.name", label: t("repair.partName") }),
        field({ name: "repair.parts.0.quantity", label: t("repair.partQuantity"), type: "number", value: "1", attrs: { min: 1 } }),
        field({ name: "repair.parts.0.reference", label: t("repair.partReference") }))),
    h("div", { class: "grid" },
      field({ name: "repair.labour_minutes", label: t("repair.minutes"), type: "number", value: "0", attrs: { min: 0 } }),
      field({ name: "repair.cost_cents", label: t("repair.cost"), hint: t("form.euroHint"), attrs: { inputmode: "decimal" } })),
    field({ name: "repair.note", label: t("form.note"), type: "textarea" }),
  ],
  grade: () => [
    radios({ name: "grade.cosmetic", legend: t("grade.cosmetic"), required: true, options: options("cosmetic", ["A", "B", "C"]) }),
    radios({ name: "grade.functional", legend: t("grade.functional"), required: true, inline: false, options: options("functional", ["1", "2", "3"]) }),
    field({ name: "grade.label", label: t("grade.label"), hint: t("grade.labelHint") }),
    field({ name: "grade.buyer_note", label: t("grade.buyerNote"), type: "textarea", hint: t("grade.buyerNoteHint") }),
  ],
  scrap: () => [
    field({ name: "scrap.reason", label: t("scrap.reason"), required: true }),
    h("div", { class: "grid" },
      field({ name: "scrap.recycler_name", label: t("scrap.recycler"), required: true }),
      field({ name: "scrap.recycler_certificate_ref", label: t("scrap.certificate"), required: true })),
    field({ name: "scrap.note", label: t("form.note"), type: "textarea" }),
  ],
};

export function recordFields(kind) {
  return kind ? FORMS[kind]() : [];
}

/** "18,90" -> 1890; anything else is sent as typed, and the API says what is wrong. */
export function cents(text) {
  const normal = text.replace(/\s/g, "").replace(",", ".");
  return /^\d+(\.\d{1,2})?$/.test(normal) ? Math.round(Number(normal) * 100) : text;
}

function integer(text) {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

function setPath(target, path, value) {
  const parts = path.split(".");
  let node = target;
  parts.slice(0, -1).forEach((part, index) => {
    const nextIsIndex = /^\d+$/.test(parts[index + 1]);
    node[part] ??= nextIsIndex ? [] : {};
    node = node[part];
  });
  node[parts.at(-1)] = value;
}

const INTEGERS = new Set(["diagnosis.battery_health_percent", "repair.labour_minutes", "repair.parts.0.quantity", "grade.functional"]);

/** The record of ``kind`` from the form's values (blank fields left out). */
export function readRecord(kind, formValues) {
  if (!kind) return {};
  const body = {};
  for (const [name, value] of Object.entries(formValues)) {
    if (!name.startsWith(`${kind}.`) || value === "") continue;
    let typed = value;
    if (INTEGERS.has(name)) typed = integer(value);
    else if (name === "repair.cost_cents") typed = cents(value);
    else if (name.endsWith(".at")) typed = Number.isNaN(Date.parse(value)) ? value : new Date(value).toISOString();
    setPath(body, name, typed);
  }
  if (kind === "repair" && body.repair?.parts && !body.repair.parts[0]?.name) delete body.repair.parts;
  return body[kind] ? body : { [kind]: {} };
}
