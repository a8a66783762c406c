// Admin: the limit rules — each one's measure, maximum, window and the products it counts,
// changed (or a new one made) from a form; products are picked from a list, never typed.
import { allPages, get, request } from "../api.js";
import { announce, append, focus, h, replace, table } from "../dom.js";
import { busy, field, showProblem, values } from "../forms.js";
import { money, number } from "../format.js";
import { t, tOr } from "../i18n.js";
import { cents } from "./records.js";

const WINDOWS = ["calendar_month", "rolling_days", "enrolment"];
const FAMILIES = ["device", "card", "allowance"];

function amount(rule) {
  return rule.measure === "cents" ? money(rule.maximum) : number(rule.maximum);
}

function prefixName(prefix) {
  const [family, first] = prefix.split(":");
  if (!first) return tOr(`family.${family}`, family);
  return `${tOr(`family.${family}`, family)} : ${family === "device" ? tOr(`category.${first}`, first) : first}`;
}

function prefixesOf(stock, rules) {
  const found = new Set(FAMILIES);
  for (const level of stock) found.add(level.product_key.split(":").slice(0, 2).join(":"));
  for (const rule of rules) rule.product_prefixes.forEach((prefix) => found.add(prefix));
  return [...found].sort();
}

function ruleForm(rule, prefixes, done) {
  const chosen = new Set(rule?.product_prefixes || []);
  const form = h("form", { novalidate: true, "aria-labelledby": "limit-form" },
    h("h2", { id: "limit-form" }, rule ? t("limits.edit", { code: rule.code }) : t("limits.new")),
    h("div", { class: "grid" },
      field({ name: "code", label: t("limits.code"), required: true, value: rule?.code, hint: t("limits.codeHint"), attrs: { pattern: "[a-z0-9-]{1,60}", ...(rule ? { readonly: true } : {}) } }),
      field({ name: "measure", label: t("limits.measure"), type: "select", required: true, value: rule?.measure || "cents", options: ["cents", "units"].map((value) => ({ value, label: t(`limits.measure.${value}`) })) }),
      field({ name: "maximum", label: t("limits.maximum"), required: true, hint: t("limits.maximumHint"), value: rule ? (rule.measure === "cents" ? (rule.maximum / 100).toFixed(2).replace(".", ",") : String(rule.maximum)) : "", attrs: { inputmode: "decimal" } }),
      field({ name: "window", label: t("limits.window"), type: "select", required: true, value: rule?.window || "calendar_month", options: WINDOWS.map((value) => ({ value, label: t(`limits.window.${value}`) })) }),
      field({ name: "window_days", label: t("limits.days"), type: "number", hint: t("limits.daysHint"), value: rule?.window_days ?? "", attrs: { min: 1 } })),
    h("fieldset", { "data-name": "product_prefixes" }, h("legend", null, t("limits.products")),
      h("p", { class: "hint" }, t("limits.productsHint")),
      h("div", { class: "choices" }, prefixes.map((prefix, index) => h("label", { class: "choice", for: `prefix-${index}` },
        h("input", { type: "checkbox", id: `prefix-${index}`, name: `prefix:${prefix}`, checked: chosen.has(prefix) }),
        prefixName(prefix))))),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("limits.save"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const given = values(form);
    const body = {
      measure: given.measure,
      maximum: given.measure === "cents" ? cents(given.maximum) : (/^\d+$/.test(given.maximum) ? Number(given.maximum) : given.maximum),
      window: given.window,
      product_prefixes: Object.entries(given).filter(([name, on]) => name.startsWith("prefix:") && on).map(([name]) => name.slice(7)),
    };
    if (given.window_days) body.window_days = Number(given.window_days);
    if (!given.code) {
      showProblem(form, { status: 422, problem: { code: "code-missing", errors: { code: [t("limits.codeMissing")] } } });
      return;
    }
    await busy(form, async () => {
      try {
        await request("PUT", `sales/limits/${encodeURIComponent(given.code)}`, { json: body });
        announce(t("limits.saved", { code: given.code }));
        done(given.code);
      } catch (error) {
        showProblem(form, error, { fields: { code: "code" } });
      }
    });
  });
  return form;
}

export async function limitsScreen(container, editing) {
  const [rules, stock] = await Promise.all([get("sales/limits"), allPages("inventory/stock", {}, 1000)]);
  const prefixes = prefixesOf(stock, rules);
  const formArea = h("div");
  const show = (rule) => {
    replace(formArea, ruleForm(rule, prefixes, async (code) => {
      replace(container);
      await limitsScreen(container);
      focus(container.querySelector(`#limit-${code}`) || container.querySelector("h1"));
    }));
  };
  append(container,
    h("h1", null, t("limits.title")),
    h("p", null, t("limits.intro")),
    rules.length ? table({
      caption: t("limits.caption", { n: rules.length }),
      head: [t("limits.code"), t("limits.maximum"), t("limits.window"), t("limits.products"), t("organisation.actions")],
      rows: rules.map((rule) => [
        h("span", { class: "mono", id: `limit-${rule.code}`, tabindex: "-1" }, rule.code),
        amount(rule),
        rule.window === "rolling_days" ? t("limits.rolling", { n: rule.window_days }) : t(`limits.window.${rule.window}`),
        rule.product_prefixes.map(prefixName).join(", ") || t("limits.everything"),
        h("button", { type: "button", class: "secondary", onclick: () => { show(rule); focus(formArea.querySelector("h2")); } }, t("limits.editButton", { code: rule.code })),
      ]),
    }) : h("p", null, t("limits.none")),
    h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => { show(null); focus(formArea.querySelector("h2")); } }, t("limits.newButton"))),
    formArea);
  show(editing || null);
}
