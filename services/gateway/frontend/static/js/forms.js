// Labelled form fields, and problem+json errors shown on the form that caused them: a
// summary that takes the focus and links to each field, and each field's own message tied
// to it with aria-describedby. The form is never re-rendered, so nothing typed is lost.
import { h, uid } from "./dom.js";
import { money, number, productName, stateName } from "./format.js";
import { t, translateMessage } from "./i18n.js";

function describe(control, ...ids) {
  const current = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  control.setAttribute("aria-describedby", [...new Set([...current, ...ids])].join(" "));
}

/** A labelled input, select or textarea. ``name`` is the path the API uses for it. */
export function field({ name, label, type = "text", value, required, hint, options, attrs = {} }) {
  const id = uid(`f-${name.replace(/[^\w-]/g, "-")}`);
  const hintId = hint ? `${id}-hint` : null;
  let control;
  if (type === "select") {
    control = h("select", { id, name, required, ...attrs },
      options.map((option) => h("option", { value: option.value, selected: String(option.value) === String(value ?? "") }, option.label)));
  } else if (type === "textarea") {
    control = h("textarea", { id, name, required, ...attrs });
    control.value = value ?? "";
  } else {
    control = h("input", { id, name, type, required, value: value ?? "", ...attrs });
  }
  if (hintId) describe(control, hintId);
  return h("div", { class: "field" },
    h("label", { for: id }, label, required ? null : h("span", { class: "hint-inline" }, ` ${t("form.optional")}`)),
    hint ? h("span", { class: "hint", id: hintId }, hint) : null,
    control);
}

/** A group of radio buttons in a fieldset with its legend. */
export function radios({ name, legend, options, value, required, inline = true }) {
  return h("fieldset", { class: "field", "data-name": name },
    h("legend", null, legend),
    h("div", { class: inline ? "choices" : null },
      options.map((option) => {
        const id = uid(`f-${name.replace(/[^\w-]/g, "-")}`);
        return h("label", { class: "choice", for: id },
          h("input", { type: "radio", id, name, value: option.value, checked: option.value === value, required }),
          option.label);
      })));
}

/** The value of each named control of ``form``: "" when empty, radios by their choice. */
export function values(form) {
  const result = {};
  for (const control of form.elements) {
    if (!control.name || control.disabled) continue;
    if (control.type === "radio") {
      if (control.checked) result[control.name] = control.value;
      else if (!(control.name in result)) result[control.name] = "";
    } else if (control.type === "checkbox") {
      result[control.name] = control.checked;
    } else if (control.type !== "file") {
      result[control.name] = control.value.trim();
    }
  }
  return result;
}

/** Copies of ``source`` without the empty strings (the API wants absent, not blank). */
export function compact(source) {
  return Object.fromEntries(Object.entries(source).filter(([, value]) => value !== "" && value !== undefined));
}

/** Disable the submit buttons while ``work`` runs; the form keeps everything typed. */
export async function busy(form, work) {
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((button) => { button.disabled = true; });
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
    form.removeAttribute("aria-busy");
  }
}

export function clearErrors(form) {
  form.querySelectorAll(".error-summary, .error-message").forEach((node) => node.remove());
  form.querySelectorAll("[aria-invalid]").forEach((control) => control.removeAttribute("aria-invalid"));
  form.querySelectorAll("[aria-describedby]").forEach((control) => {
    const kept = control.getAttribute("aria-describedby").split(" ").filter((id) => !id.endsWith("-error"));
    if (kept.length) control.setAttribute("aria-describedby", kept.join(" "));
    else control.removeAttribute("aria-describedby");
  });
}

const LOCATIONS = new Set(["json", "query", "form", "headers", "files", "cookies", "path"]);

/** {json: {lines: {"0": {quantity: ["..."]}}}} -> [["lines.0.quantity", ["..."]]] */
export function fieldErrors(errors, prefix = "") {
  if (!errors || typeof errors !== "object") return [];
  if (Array.isArray(errors)) {
    return errors.every((item) => typeof item === "string")
      ? [[prefix, errors]]
      : errors.flatMap((item, index) => fieldErrors(item, prefix ? `${prefix}.${index}` : String(index)));
  }
  return Object.entries(errors).flatMap(([name, inner]) => {
    const path = !prefix && LOCATIONS.has(name) ? "" : prefix ? `${prefix}.${name}` : name;
    return fieldErrors(inner, path);
  });
}

function controlFor(form, name) {
  return [...form.elements].find((control) => control.name === name) || null;
}

function labelOf(control) {
  if (control.type === "radio") return control.closest("fieldset").querySelector("legend").textContent;
  return control.labels?.[0]?.firstChild?.textContent || control.name;
}

function markInvalid(control, message) {
  const anchor = control.type === "radio" ? control.closest("fieldset") : control;
  const errorId = `${control.id}-error`;
  const text = h("p", { class: "error-message", id: errorId }, h("span", { class: "visually-hidden" }, `${t("error.prefix")} `), message);
  if (control.type === "radio") {
    anchor.querySelector("legend").after(text);
    anchor.querySelectorAll("input").forEach((radio) => {
      radio.setAttribute("aria-invalid", "true");
      describe(radio, errorId);
    });
  } else {
    control.before(text);
    control.setAttribute("aria-invalid", "true");
    describe(control, errorId);
  }
}

/** The title and sentence for a problem, in the user's language where we know its code. */
export function problemText(error) {
  const problem = error.problem || { code: "unexpected" };
  const status = error.status ?? problem.status ?? 0;
  const title = t(status === 0 ? "status.0" : status >= 500 ? "status.5xx" : `status.${status}`);
  const known = t(`problem.${problem.code}`, problem);
  const detail = known !== `problem.${problem.code}` ? known : problem.detail || problem.title || t("status.unknown");
  return { title: title.startsWith("status.") ? problem.title || t("status.unknown") : title, detail };
}

/** What a problem carries besides its sentence: limits passed, bad rows, allowed steps... */
export function problemExtras(problem) {
  const parts = [];
  if (Array.isArray(problem.breaches)) {
    parts.push(h("ul", { class: "breaches" }, problem.breaches.map((breach) => {
      const amount = (value) => (breach.measure === "cents" ? money(value) : number(value));
      return h("li", null, t("limit.breach", {
        rule: t(`rule.${breach.rule}`) === `rule.${breach.rule}` ? breach.rule : t(`rule.${breach.rule}`),
        used: amount(breach.already_used),
        maximum: amount(breach.maximum),
        requested: amount(breach.requested),
        over: amount(breach.exceeded_by),
      }));
    })));
  }
  if (Array.isArray(problem.allowed_next_states)) {
    parts.push(h("p", null, t("workshop.allowedNext", {
      states: problem.allowed_next_states.map((s) => stateName("state", s)).join(", ") || "—",
    })));
  }
  if (Array.isArray(problem.failed_functions)) {
    parts.push(h("p", null, t("workshop.failed", { list: problem.failed_functions.map((f) => t(`check.${f}`)).join(", ") })));
  }
  if (Array.isArray(problem.product_keys)) {
    parts.push(h("p", null, problem.product_keys.map((key) => productName(key)).join(", ")));
  }
  return parts;
}

/**
 * Show ``error`` (an ApiError) on ``form``: a focused summary at its top, each field's
 * message beside it. ``fields`` renames API paths to control names where they differ.
 */
export function showProblem(form, error, { fields = {}, extras = [] } = {}) {
  clearErrors(form);
  const problem = error.problem || { code: "unexpected", detail: String(error.message || error) };
  const { title, detail } = problemText(error);
  const items = [];
  const errors = fieldErrors(problem.errors);
  if (problem.field && problem.code === "invalid-record") errors.push([problem.field, [problem.detail]]);
  for (const [path, messages] of errors) {
    const name = fields[path] ?? path;
    const control = controlFor(form, name);
    const message = messages.map(translateMessage).join(" ");
    if (control) {
      markInvalid(control, message);
      items.push(h("li", null, h("a", {
        href: `#${control.id}`,
        onclick: (event) => { event.preventDefault(); control.focus(); },
      }, `${labelOf(control)} : ${message}`)));
    } else {
      items.push(h("li", null, path ? `${path} : ${message}` : message));
    }
  }
  const headingId = uid("error-title");
  const summary = h("div", { class: "error-summary", tabindex: "-1", "aria-labelledby": headingId },
    h("h2", { id: headingId }, title),
    h("p", { class: "error-detail" }, detail),
    problemExtras(problem),
    extras,
    items.length ? h("ul", { class: "error-list" }, items) : null,
    problem.request_id ? h("p", { class: "request-id" }, t("error.requestId", { id: problem.request_id })) : null);
  form.prepend(summary);
  summary.focus();
  return summary;
}

/** The same summary outside any form (a button's action, a page that failed to load). */
export function problemBox(error) {
  const { title, detail } = problemText(error);
  const problem = error.problem || {};
  const headingId = uid("error-title");
  return h("div", { class: "error-summary", tabindex: "-1", "aria-labelledby": headingId },
    h("h2", { id: headingId }, title),
    h("p", { class: "error-detail" }, detail),
    problemExtras(problem),
    problem.request_id ? h("p", { class: "request-id" }, t("error.requestId", { id: problem.request_id })) : null);
}
