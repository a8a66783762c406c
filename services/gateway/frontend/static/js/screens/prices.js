// Admin: price grids — the grid in force, and a new version made from it, with validity
// dates. Products are picked from those in stock (or already priced): no key is typed.
import { allPages, get } from "../api.js";
import { announce, append, focus, h, replace, table } from "../dom.js";
import { field, values } from "../forms.js";
import { date, money, productName } from "../format.js";
import { t } from "../i18n.js";
import { creates } from "./files.js";
import { cents } from "./records.js";

const euros = (value) => (value == null ? "" : (value / 100).toFixed(2).replace(".", ","));

async function currentGrid() {
  try {
    return await get("sales/price-grids/current");
  } catch (error) {
    if (error.problem?.code === "no-price-grid") return null;
    throw error;
  }
}

function gridTable(grid) {
  return table({
    caption: t(grid.valid_until ? "prices.current" : "prices.currentOpen", { version: grid.version, from: date(grid.valid_from), until: date(grid.valid_until) }),
    head: [t("catalogue.product"), t("prices.key"), t("catalogue.market"), t("catalogue.solidarity")],
    numeric: [2, 3],
    rows: grid.entries.map((entry) => [productName(entry.product_key, entry.label), h("span", { class: "mono" }, entry.product_key), money(entry.market_cents), money(entry.solidarity_cents)]),
  });
}

/** A local day (YYYY-MM-DD) as the instant it starts, or nothing when left empty. */
function dayStart(value) {
  return value ? new Date(`${value}T00:00:00`).toISOString() : undefined;
}

function gridForm(grid, stockKeys, done) {
  const rows = h("tbody");
  const entries = [];
  const picker = h("select", { id: "price-product", name: "pick" });
  const renumber = () => {
    entries.forEach((entry, index) => {
      entry.row.querySelectorAll("[name]").forEach((control) => { control.name = control.name.replace(/^entries\.\d+/, `entries.${index}`); });
    });
    const taken = new Set(entries.map((entry) => entry.key));
    const left = [...new Set([...stockKeys, ...(grid?.entries || []).map((e) => e.product_key)])].filter((key) => !taken.has(key)).sort();
    replace(picker, left.length
      ? left.map((key) => h("option", { value: key }, `${productName(key)} (${key})`))
      : h("option", { value: "" }, t("prices.nothingLeft")));
  };
  const cell = (entry, part, label, value) => {
    const id = `price-${part}-${entry.key}`;
    return h("td", null,
      h("label", { class: "visually-hidden", for: id }, label),
      h("input", { id, name: `entries.0.${part}`, value: euros(value), inputmode: "decimal", size: 8, required: true }));
  };
  const add = (key, market, solidarity) => {
    const entry = { key };
    const name = productName(key);
    entry.row = h("tr", null,
      h("th", { scope: "row" }, name, " ", h("span", { class: "mono hint" }, key)),
      cell(entry, "market_cents", t("prices.marketOf", { name }), market),
      cell(entry, "solidarity_cents", t("prices.solidarityOf", { name }), solidarity),
      h("td", null, h("button", {
        type: "button", class: "secondary", "aria-label": t("prices.remove", { name }),
        onclick: () => { entries.splice(entries.indexOf(entry), 1); entry.row.remove(); renumber(); focus(picker); },
      }, "×")));
    entries.push(entry);
    rows.append(entry.row);
    renumber();
    return entry;
  };
  (grid?.entries || []).forEach((e) => add(e.product_key, e.market_cents, e.solidarity_cents));
  renumber();
  const form = h("form", { novalidate: true, "aria-labelledby": "grid-new" },
    h("h2", { id: "grid-new" }, grid ? t("prices.newFrom", { version: grid.version }) : t("prices.first")),
    h("div", { class: "grid" },
      field({ name: "valid_from", label: t("prices.from"), type: "date", hint: t("prices.fromHint") }),
      field({ name: "valid_until", label: t("prices.until"), type: "date", hint: t("prices.untilHint") })),
    field({ name: "note", label: t("form.note"), attrs: { maxlength: 200 } }),
    h("div", { class: "table-wrap" }, h("table", null,
      h("caption", null, t("prices.entries")),
      h("thead", null, h("tr", null, [t("catalogue.product"), t("catalogue.market"), t("catalogue.solidarity"), t("prices.removeHead")].map((label) => h("th", { scope: "col" }, label)))),
      rows)),
    h("div", { class: "field" },
      h("label", { for: picker.id }, t("prices.add")),
      h("span", { class: "hint" }, t("prices.addHint")),
      picker),
    h("div", { class: "actions" }, h("button", {
      type: "button", class: "secondary",
      onclick: () => { if (picker.value) focus(add(picker.value).row.querySelector("input")); },
    }, t("prices.addButton"))),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("prices.publish"))));
  const read = () => {
    const given = values(form);
    return {
      valid_from: dayStart(given.valid_from),
      valid_until: dayStart(given.valid_until),
      note: given.note || undefined,
      entries: entries.map((entry, index) => ({
        product_key: entry.key,
        market_cents: cents(given[`entries.${index}.market_cents`]),
        solidarity_cents: cents(given[`entries.${index}.solidarity_cents`]),
      })),
    };
  };
  return creates(form, "sales/price-grids", read, (published) => {
    announce(t("prices.published", { version: published.version }));
    return done();
  });
}

export async function pricesScreen(container) {
  const [grid, stock] = await Promise.all([currentGrid(), allPages("inventory/stock", {}, 1000)]);
  const stockKeys = [...new Set(stock.map((level) => level.product_key))];
  const rerender = async () => {
    replace(container);
    await pricesScreen(container);
    focus(container.querySelector("table caption")?.closest("table") || container.querySelector("h1"));
  };
  append(container,
    h("h1", null, t("prices.title")),
    grid ? gridTable(grid) : h("p", { class: "notice warn" }, t("prices.none")),
    gridForm(grid, stockKeys, rerender));
}
