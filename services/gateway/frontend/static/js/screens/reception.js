// Workshop: the donations announced for delivery, and receiving one line by line — counted
// quantities and their difference with the announcement, identifiers scanned into their
// line (announced ones ticked, others kept as units beyond the announcement, missing ones
// listed), then the receipt to print.
import { get, idempotency, post } from "../api.js";
import { announce, append, facts, focus, h, replace, table } from "../dom.js";
import { busy, field, showProblem, values } from "../forms.js";
import { date, dateTime, number, stateName } from "../format.js";
import { t } from "../i18n.js";
import { receiptButtons } from "./files.js";
import { donationLabels } from "./labels.js";
import { lineSummary } from "./partner.js";
import { cents } from "./records.js";

const IMEI = /^\d{15}$/;
const IMEI_CATEGORIES = ["smartphone", "feature_phone", "tablet", "mobile_internet_key"];

function siteLabel(sites, id) {
  const site = sites.find((candidate) => candidate.id === id);
  return site ? `${site.name} (${site.city})` : id;
}

export async function receptionsScreen(container) {
  const [page, sites] = await Promise.all([
    get("donations/donations", { state: "announced", page_size: 100 }),
    get("inventory/sites"),
  ]);
  append(container,
    h("h1", null, t("reception.listTitle")),
    page.items.length
      ? table({
        caption: t("reception.caption", { n: page.total }),
        head: [t("donations.announced"), t("announce.site"), t("donations.lines")],
        rows: page.items.map((donation) => [
          h("a", { href: `#/workshop/reception/${donation.id}` }, t("reception.open", { date: date(donation.announced_at) })),
          siteLabel(sites, donation.site_id),
          donation.lines.map(lineSummary).join(" ; "),
        ]),
      })
      : h("p", null, t("reception.none")));
}

/** One line's fieldset; ``read()`` gives the line as the API wants it. */
function lineSet(line, index) {
  const prefix = `lines.${index}`;
  const announced = [...(line.imeis || []), ...(line.serials || [])];
  const arrived = new Set();
  const extras = [];
  const hardware = line.kind === "hardware_lot";
  const difference = h("output", { class: "hint", "aria-live": "polite" });
  const quantity = field({ name: `${prefix}.received_quantity`, label: t("reception.counted"), type: "number", required: true, value: String(line.expected_quantity), attrs: { min: 0, inputmode: "numeric" } });
  const count = quantity.querySelector("input");
  const showDifference = () => {
    const gap = Number(count.value || 0) - line.expected_quantity;
    difference.textContent = gap === 0 ? t("reception.asAnnounced") : t("reception.difference", { n: gap > 0 ? `+${gap}` : String(gap) });
  };
  count.addEventListener("input", showDifference);
  const checklist = announced.map((value) => {
    const box = h("input", { type: "checkbox", id: `arrived-${index}-${value}`, "data-identifier": value });
    box.addEventListener("change", () => (box.checked ? arrived.add(value) : arrived.delete(value)));
    return h("label", { class: "choice", for: box.id }, box, h("span", { class: "mono" }, value));
  });
  const extraList = h("ul", { class: "scans" });
  const showExtras = () => replace(extraList, extras.map((value) => h("li", null,
    h("span", { class: "mono" }, value),
    h("button", {
      type: "button", class: "secondary", "aria-label": t("scan.remove", { identifier: value }),
      onclick: () => { extras.splice(extras.indexOf(value), 1); showExtras(); focus(scan); },
    }, "×"))));
  const scan = h("input", { id: `scan-${index}`, type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": `scan-${index}-hint` });
  scan.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault(); // a scanner's Enter adds the identifier, never sends the form
    const value = scan.value.trim();
    scan.value = "";
    if (!value) return;
    if (announced.includes(value)) {
      arrived.add(value);
      checklist.forEach((label) => { const box = label.querySelector("input"); box.checked = arrived.has(box.dataset.identifier); });
      announce(t("reception.ticked", { identifier: value }));
    } else if (!extras.includes(value)) {
      extras.push(value);
      showExtras();
      announce(t("reception.extraAdded", { identifier: value }));
    }
  });
  const confirmExtra = h("input", { type: "checkbox", id: `extra-${index}`, name: `${prefix}.extra_confirmed` });
  const set = h("fieldset", { class: "line" },
    h("legend", null, t("reception.line", { n: index + 1, line: lineSummary(line) })),
    h("p", null, t("reception.announced", { n: number(line.expected_quantity) }), " ", difference),
    h("div", { class: "grid" },
      quantity,
      field({ name: `${prefix}.declared_value_cents`, label: t("line.value"), hint: t("form.euroHint"), value: line.declared_value_cents ? (line.declared_value_cents / 100).toFixed(2).replace(".", ",") : "", attrs: { inputmode: "decimal" } })),
    hardware ? h("div", { class: "field" },
      h("label", { for: scan.id }, t("reception.scan")),
      h("span", { class: "hint", id: `scan-${index}-hint` }, t("reception.scanHint")),
      scan) : null,
    checklist.length ? h("fieldset", null, h("legend", null, t("reception.identifiers")), h("div", { class: "choices" }, checklist)) : null,
    hardware ? h("div", null, h("p", null, t("reception.extras")), extraList) : null,
    hardware ? null : h("label", { class: "choice", for: confirmExtra.id }, confirmExtra, t("reception.confirmExtra")));
  showDifference();
  showExtras();
  set.read = () => {
    const given = values(set);
    const received = /^\d+$/.test(given[`${prefix}.received_quantity`]) ? Number(given[`${prefix}.received_quantity`]) : given[`${prefix}.received_quantity`];
    const body = { line_id: line.id, received_quantity: received };
    const value = given[`${prefix}.declared_value_cents`];
    if (value) body.declared_value_cents = cents(value);
    if (announced.length) body.missing_identifiers = announced.filter((identifier) => !arrived.has(identifier));
    if (hardware && extras.length) {
      const imeis = IMEI_CATEGORIES.includes(line.category);
      body.extra = { quantity: extras.length, units: extras.map((v) => (imeis && IMEI.test(v) ? { imei: v } : { serial: v })) };
    } else if (!hardware && given[`${prefix}.extra_confirmed`] && typeof received === "number" && received > line.expected_quantity) {
      body.extra = { quantity: received - line.expected_quantity };
    }
    return body;
  };
  return set;
}

function receptionForm(donation, done) {
  const sets = donation.lines.map(lineSet);
  const form = h("form", { novalidate: true, "aria-labelledby": "receive-title" },
    h("h2", { id: "receive-title" }, t("reception.formTitle")),
    sets,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("reception.submit"))));
  const keyFor = idempotency();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { lines: sets.map((set) => set.read()) };
    await busy(form, async () => {
      try {
        await post(`donations/donations/${donation.id}/reception`, body, { extraHeaders: keyFor(body) });
        announce(t("reception.done"));
        done();
      } catch (error) {
        const problem = error.problem || {};
        const index = donation.lines.findIndex((line) => line.id === problem.line_id);
        if (index >= 0 && !problem.errors) problem.errors = { [`lines.${index}.received_quantity`]: [problem.detail] };
        showProblem(form, error);
      }
    });
  });
  return form;
}

function receivedLines(donation) {
  return table({
    caption: t("donation.lines"),
    head: [t("line.kind"), t("donation.expected"), t("donation.receivedQuantity"), t("reception.gap"), t("reception.missing")],
    numeric: [1, 2, 3],
    rows: donation.lines.map((line) => [
      lineSummary(line),
      number(line.expected_quantity),
      number(line.received_quantity),
      number((line.received_quantity ?? 0) - line.expected_quantity),
      (line.missing_identifiers || []).join(", ") || "—",
    ]),
  });
}

export async function receptionScreen(container, id) {
  const [donation, sites] = await Promise.all([get(`donations/donations/${id}`), get("inventory/sites")]);
  const rerender = async () => {
    replace(container);
    await receptionScreen(container, id);
    focus(container.querySelector("#reception-state"));
  };
  const received = donation.state === "received";
  append(container,
    h("p", null, h("a", { href: "#/workshop/receptions" }, t("reception.back"))),
    h("h1", null, t("donation.title", { date: date(donation.announced_at) })),
    facts([
      [t("donations.state"), h("span", { class: `badge${received ? " ok" : ""}`, id: "reception-state" }, stateName("donationState", donation.state))],
      [t("announce.site"), siteLabel(sites, donation.site_id)],
      [t("donations.announced"), dateTime(donation.announced_at)],
      [t("donation.received"), donation.received_at ? dateTime(donation.received_at) : null],
      [t("reception.receipt"), donation.receipt_number ? String(donation.receipt_number) : null],
    ]),
    received
      ? [receivedLines(donation), receiptButtons(`donations/donations/${donation.id}/receipt.pdf`, t("reception.receiptTitle")), donationLabels(donation.id)]
      : receptionForm(donation, rerender));
}
