// Workshop: a transfer to a counter, made of scanned devices (asset tag, IMEI or serial,
// each Enter adds one) and quantities of the source's available products; sending it ships it.
import { get, idempotency, post } from "../api.js";
import { announce, append, focus, h, replace, table } from "../dom.js";
import { busy, clearErrors, field, showProblem, values } from "../forms.js";
import { number, productName } from "../format.js";
import { t } from "../i18n.js";
import { go } from "../router.js";

const qtyName = (key) => `quantity:${key}`;

async function availableAt(siteId) {
  const page = await get("inventory/stock", { site_id: siteId, page_size: 100 });
  return page.items.filter((level) => level.available > 0);
}

function stockTable(levels) {
  if (!levels.length) return h("p", null, t("transfer.noStock"));
  return table({
    caption: t("transfer.stockCaption"),
    head: [t("catalogue.product"), t("catalogue.available"), t("transfer.toSend")],
    numeric: [1],
    rows: levels.map((level) => {
      const name = productName(level.product_key, level.label);
      return [name, number(level.available), h("span", null,
        h("label", { class: "visually-hidden", for: `send-${level.product_key}` }, t("transfer.quantityOf", { name })),
        h("input", { type: "number", id: `send-${level.product_key}`, name: qtyName(level.product_key), min: 0, max: level.available, value: 0, inputmode: "numeric" }))];
    }),
  });
}

export async function newTransferScreen(container) {
  const sites = (await get("inventory/sites")).filter((site) => site.open !== false);
  const workshops = sites.filter((site) => site.kind === "workshop");
  const counters = sites.filter((site) => site.kind === "counter");
  const scanned = []; // {device, identifier}
  const stockArea = h("div");
  const list = h("ul", { class: "scans" });
  const scan = h("input", { id: "transfer-scan", name: "scan", type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": "transfer-scan-hint" });
  const fromField = field({ name: "from_site_id", label: t("transfer.from"), type: "select", required: true, value: workshops[0]?.id, options: workshops.map((s) => ({ value: s.id, label: `${s.name} (${s.city})` })) });
  const from = fromField.querySelector("select");
  const showStock = async () => replace(stockArea, stockTable(await availableAt(from.value)));
  from.addEventListener("change", showStock);
  const showScanned = () => replace(list, scanned.map((entry) => h("li", null,
    h("span", { class: "mono" }, entry.device.asset_tag), ` ${productName(entry.device.product_key || "")}`,
    h("button", {
      type: "button", class: "secondary", "aria-label": t("scan.remove", { identifier: entry.device.asset_tag }),
      onclick: () => { scanned.splice(scanned.indexOf(entry), 1); showScanned(); focus(scan); },
    }, "×"))));
  const form = h("form", { novalidate: true, "aria-labelledby": "transfer-title" },
    fromField,
    field({ name: "to_site_id", label: t("transfer.to"), type: "select", required: true, options: [{ value: "", label: t("form.choose") }, ...counters.map((s) => ({ value: s.id, label: `${s.name} (${s.city})` }))] }),
    h("h2", null, t("transfer.scanTitle")),
    h("div", { class: "field" },
      h("label", { for: scan.id }, t("transfer.scan")),
      h("span", { class: "hint", id: "transfer-scan-hint" }, t("transfer.scanHint")),
      scan),
    list,
    h("h2", null, t("transfer.quantitiesTitle")),
    stockArea,
    field({ name: "note", label: t("form.note"), type: "textarea" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("transfer.ship"))));
  scan.addEventListener("keydown", async (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const identifier = scan.value.trim();
    scan.value = "";
    if (!identifier) return;
    clearErrors(form);
    try {
      const page = await get("inventory/devices", { identifier, site_id: from.value, state: "available", page_size: 2 });
      if (page.total !== 1) {
        showProblem(form, { status: 422, problem: { code: "not-sendable", errors: { scan: [t("transfer.notSendable", { identifier })] } } });
        focus(scan);
        return;
      }
      const [device] = page.items;
      if (!scanned.some((entry) => entry.device.id === device.id)) scanned.push({ device, identifier });
      showScanned();
      announce(t("transfer.added", { tag: device.asset_tag, n: scanned.length }));
    } catch (error) {
      showProblem(form, error, { fields: { identifier: "scan" } });
    }
  });
  const keyFor = idempotency();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const given = values(form);
    const lines = scanned.map((entry) => ({ product_key: entry.device.product_key, device_id: entry.device.id, quantity: 1 }));
    for (const [name, value] of Object.entries(given)) {
      if (name.startsWith("quantity:") && Number(value) > 0) lines.push({ product_key: name.slice(9), quantity: Number(value) });
    }
    if (!lines.length) {
      showProblem(form, { status: 422, problem: { code: "empty-transfer" } });
      return;
    }
    const body = { from_site_id: given.from_site_id, to_site_id: given.to_site_id || undefined, lines, ...(given.note ? { note: given.note } : {}) };
    await busy(form, async () => {
      try {
        const sent = await post("inventory/transfers", body, { extraHeaders: keyFor(body) });
        announce(t("transfer.shipped"));
        go(`workshop/transfer/${sent.id}`);
      } catch (error) {
        const shortfalls = error.problem?.lines || [];
        showProblem(form, error, {
          extras: shortfalls.length ? [h("ul", null, shortfalls.map((line) => h("li", null, t("transfer.short", {
            product: productName(line.product_key || ""), requested: number(line.requested ?? 0), available: number(line.available ?? 0),
          }))))] : [],
        });
      }
    });
  });
  await showStock();
  append(container,
    h("p", null, h("a", { href: "#/workshop/transfers" }, t("transfer.back"))),
    h("h1", { id: "transfer-title" }, t("transfer.newTitle")),
    h("p", null, t("transfer.intro")),
    form);
  return null;
}
