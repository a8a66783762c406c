// Partner: their donations, and announcing a new one line by line.
import { get, idempotency, post } from "../api.js";
import { announce, append, focus, h, replace, table } from "../dom.js";
import { busy, field, showProblem, values } from "../forms.js";
import { date, number, stateName } from "../format.js";
import { t } from "../i18n.js";
import { go } from "../router.js";
import { session } from "../session.js";
import { cents } from "./records.js";

const KINDS = ["hardware_lot", "prepaid_cards", "allowance", "funds"];
const CATEGORIES = ["smartphone", "feature_phone", "laptop", "desktop", "tablet", "mobile_internet_key", "accessory"];

export function lineSummary(line) {
  if (line.kind === "hardware_lot") {
    return `${number(line.expected_quantity)} × ${stateName("category", line.category)}${line.brand ? ` ${line.brand}` : ""}${line.model ? ` ${line.model}` : ""}`;
  }
  if (line.kind === "prepaid_cards") return `${number(line.expected_quantity)} × ${line.product_name || t("kind.prepaid_cards")} (${line.operator || ""})`;
  if (line.kind === "allowance") return `${number(line.expected_quantity)} ${t(`unit.${line.unit}`)}`;
  return t("kind.funds");
}

export async function donationsScreen(container) {
  const page = await get("donations/donations", { partner_id: session.me.partner_id, page_size: 100 });
  append(container, 
    h("h1", null, t("donations.title")),
    h("div", { class: "actions" }, h("a", { class: "button", href: "#/partner/new" }, t("nav.announce"))),
    page.items.length
      ? table({
        caption: t("donations.caption", { n: page.total }),
        head: [t("donations.announced"), t("donations.state"), t("donations.lines"), t("donations.receipt")],
        rows: page.items.map((donation) => [
          h("a", { href: `#/partner/donation/${donation.id}` }, date(donation.announced_at)),
          stateName("donationState", donation.state),
          donation.lines.map(lineSummary).join(" ; "),
          donation.receipt_number ? String(donation.receipt_number) : "—",
        ]),
      })
      : h("p", null, t("donations.none")));
}

function lineFields(kind, prefix) {
  const name = (part) => `${prefix}.${part}`;
  const common = (label = t("line.quantity")) => field({ name: name("quantity"), label, type: "number", required: true, attrs: { min: 1 } });
  if (kind === "hardware_lot") {
    return [
      field({ name: name("category"), label: t("line.category"), type: "select", required: true, options: CATEGORIES.map((value) => ({ value, label: stateName("category", value) })) }),
      common(t("line.devices")),
      field({ name: name("brand"), label: t("line.brand") }),
      field({ name: name("model"), label: t("line.model") }),
      field({ name: name("declared_condition"), label: t("line.condition") }),
      field({ name: name("declared_value_cents"), label: t("line.value"), hint: t("form.euroHint"), attrs: { inputmode: "decimal" } }),
    ];
  }
  if (kind === "prepaid_cards") {
    return [
      field({ name: name("operator"), label: t("line.operator"), required: true }),
      field({ name: name("product_name"), label: t("line.productName"), required: true }),
      common(t("line.cards")),
      field({ name: name("face_value_cents"), label: t("line.faceValue"), required: true, hint: t("form.euroHint"), attrs: { inputmode: "decimal" } }),
      field({ name: name("voice_minutes"), label: t("line.minutes"), type: "number", attrs: { min: 0 } }),
      field({ name: name("data_mb"), label: t("line.data"), type: "number", attrs: { min: 0 } }),
      field({ name: name("expiry_date"), label: t("line.expiry"), type: "date" }),
    ];
  }
  if (kind === "allowance") {
    return [
      field({ name: name("unit"), label: t("line.unit"), type: "select", required: true, options: ["minutes", "data_mb"].map((value) => ({ value, label: t(`unit.${value}`) })) }),
      common(),
      field({ name: name("validity_days"), label: t("line.validity"), type: "number", attrs: { min: 1 } }),
    ];
  }
  return [field({ name: name("quantity"), label: t("line.amount"), required: true, hint: t("form.euroHint"), attrs: { inputmode: "decimal" } })];
}

const MONEY = /\.(declared_value_cents|face_value_cents)$/;
const INTEGER = /\.(quantity|voice_minutes|data_mb|validity_days)$/;

/** The lines as the API wants them, from the form's values (names lines.N.field). */
function readLines(given) {
  const lines = [];
  for (const [name, value] of Object.entries(given)) {
    const match = /^lines\.(\d+)\.(\w+)$/.exec(name);
    if (!match || value === "") continue;
    const [, index, part] = match;
    lines[index] ??= {};
    lines[index][part] = value;
  }
  return lines.filter(Boolean).map((line) => Object.fromEntries(Object.entries(line).map(([part, value]) => {
    const name = `.${part}`;
    if (MONEY.test(name) || (line.kind === "funds" && part === "quantity")) return [part, cents(value)];
    if (INTEGER.test(name)) return [part, /^\d+$/.test(value) ? Number(value) : value];
    return [part, value];
  })));
}

function lineFieldset(lines, onRemove) {
  const body = h("div", { class: "grid" });
  const legend = h("legend");
  const set = h("fieldset", { class: "line" }, legend);
  const kindField = field({
    name: "lines.0.kind", label: t("line.kind"), type: "select", required: true,
    options: KINDS.map((value) => ({ value, label: t(`kind.${value}`) })),
  });
  const kind = kindField.querySelector("select");
  const showKind = () => replace(body, lineFields(kind.value, set.dataset.prefix));
  kind.addEventListener("change", showKind);
  const remove = h("button", { type: "button", class: "secondary", onclick: () => onRemove(set) });
  set.append(kindField, body, h("div", { class: "actions" }, remove));
  set.renumber = (index) => {
    const prefix = `lines.${index}`;
    legend.textContent = t("line.title", { n: index + 1 });
    remove.textContent = t("line.remove", { n: index + 1 });
    set.dataset.prefix = prefix;
    set.querySelectorAll("[name]").forEach((control) => { control.name = control.name.replace(/^lines\.\d+/, prefix); });
  };
  set.renumber(lines.children.length);
  showKind();
  return set;
}

export async function announceScreen(container) {
  const sites = await get("inventory/sites");
  const lines = h("div");
  const renumber = () => [...lines.children].forEach((set, index) => set.renumber(index));
  const addLine = () => {
    const set = lineFieldset(lines, (removed) => {
      removed.remove();
      renumber();
      announce(t("line.removed"));
      focus(addButton);
    });
    lines.append(set);
    renumber();
    return set;
  };
  const addButton = h("button", { type: "button", class: "secondary", onclick: () => focus(addLine().querySelector("select")) }, t("line.add"));
  const form = h("form", { novalidate: true, "aria-labelledby": "announce-title" },
    field({
      name: "site_id", label: t("announce.site"), type: "select", required: true, hint: t("announce.siteHint"),
      options: [{ value: "", label: t("form.choose") }, ...sites.map((site) => ({ value: site.id, label: `${site.name} (${site.city})` }))],
    }),
    lines,
    h("div", { class: "actions" }, addButton),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("announce.submit"))));
  addLine();
  const keyFor = idempotency();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const given = values(form);
    const body = { partner_id: session.me.partner_id, site_id: given.site_id || undefined, lines: readLines(given) };
    await busy(form, async () => {
      try {
        const donation = await post("donations/donations", body, { extraHeaders: keyFor(body) });
        announce(t("announce.done"));
        go(`partner/donation/${donation.id}`);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  append(container, h("h1", { id: "announce-title" }, t("announce.title")), h("p", null, t("announce.intro")), form);
}
