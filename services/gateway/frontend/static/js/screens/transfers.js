// Transfers between sites: the list (a counter sees its own), one transfer's contents, and
// the counter's reception, counted product by product against what was shipped.
import { get, post } from "../api.js";
import { announce, append, facts, focus, h, replace, table } from "../dom.js";
import { busy, showProblem, values } from "../forms.js";
import { dateTime, number, productName, stateName } from "../format.js";
import { t } from "../i18n.js";
import { session } from "../session.js";

const isCounter = () => session.me.role === "counter";
const base = () => (isCounter() ? "counter" : "workshop");

function siteLabel(sites, id) {
  const site = sites.find((candidate) => candidate.id === id);
  return site ? site.name : id;
}

/** Units shipped per product. */
function shipped(transfer) {
  const totals = new Map();
  for (const item of transfer.items) totals.set(item.product_key, (totals.get(item.product_key) || 0) + item.quantity);
  return [...totals.entries()];
}

function transfersTable(items, sites, caption) {
  return table({
    caption,
    head: [t("transfer.sentAt"), t("transfer.from"), t("transfer.to"), t("transfer.state"), t("transfer.units")],
    numeric: [4],
    rows: items.map((transfer) => [
      h("a", { href: `#/${base()}/transfer/${transfer.id}` }, dateTime(transfer.dispatched_at)),
      siteLabel(sites, transfer.from_site_id),
      siteLabel(sites, transfer.to_site_id),
      stateName("transferState", transfer.state),
      number(transfer.items.reduce((sum, item) => sum + item.quantity, 0)),
    ]),
  });
}

export async function transfersScreen(container) {
  const [waiting, done, sites] = await Promise.all([
    get("inventory/transfers", { state: "in_transit", page_size: 50 }),
    get("inventory/transfers", { state: "received", page_size: 20 }),
    get("inventory/sites"),
  ]);
  append(container,
    h("h1", null, t(isCounter() ? "transfer.counterTitle" : "transfer.listTitle")),
    isCounter() ? null : h("div", { class: "actions" }, h("a", { class: "button", href: "#/workshop/transfer/new" }, t("transfer.newTitle"))),
    h("h2", null, t("transfer.inTransit")),
    waiting.items.length ? transfersTable(waiting.items, sites, t("transfer.inTransitCaption", { n: waiting.total })) : h("p", null, t("transfer.noneInTransit")),
    h("h2", null, t("transfer.received")),
    done.items.length ? transfersTable(done.items, sites, t("transfer.receivedCaption", { n: done.total })) : h("p", null, t("transfer.noneReceived")));
}

function countForm(transfer, done) {
  const lines = shipped(transfer);
  const form = h("form", { novalidate: true, "aria-labelledby": "count-title" },
    h("h2", { id: "count-title" }, t("transfer.countTitle")),
    h("p", null, t("transfer.countIntro")),
    table({
      caption: t("transfer.countCaption"),
      head: [t("catalogue.product"), t("transfer.shipped"), t("transfer.counted")],
      numeric: [1],
      rows: lines.map(([key, quantity]) => {
        const name = productName(key);
        return [name, number(quantity), h("span", null,
          h("label", { class: "visually-hidden", for: `count-${key}` }, t("transfer.countedOf", { name })),
          h("input", { type: "number", id: `count-${key}`, name: `count:${key}`, min: 0, inputmode: "numeric", required: true }))];
      }),
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("transfer.receive"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const given = values(form);
    const errors = {};
    for (const [key, quantity] of lines) {
      const counted = given[`count:${key}`];
      if (counted === "") errors[`count:${key}`] = [t("transfer.countMissing")];
      else if (Number(counted) !== quantity) errors[`count:${key}`] = [t("transfer.countDiffers", { counted, shipped: quantity })];
    }
    if (Object.keys(errors).length) {
      showProblem(form, { status: 422, problem: { code: "count-mismatch", errors } });
      return;
    }
    await busy(form, async () => {
      try {
        await post(`inventory/transfers/${transfer.id}/reception`, {});
        announce(t("transfer.receivedDone"));
        done();
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

export async function transferScreen(container, id) {
  const [transfer, sites] = await Promise.all([get(`inventory/transfers/${id}`), get("inventory/sites")]);
  const rerender = async () => {
    replace(container);
    await transferScreen(container, id);
    focus(container.querySelector("#transfer-state"));
  };
  const canReceive = transfer.state === "in_transit" && isCounter();
  append(container,
    h("p", null, h("a", { href: `#/${base()}/transfers` }, t("transfer.back"))),
    h("h1", null, t("transfer.title", { from: siteLabel(sites, transfer.from_site_id), to: siteLabel(sites, transfer.to_site_id) })),
    facts([
      [t("transfer.state"), h("span", { class: `badge${transfer.state === "received" ? " ok" : ""}`, id: "transfer-state" }, stateName("transferState", transfer.state))],
      [t("transfer.sentAt"), dateTime(transfer.dispatched_at)],
      [t("transfer.receivedAt"), transfer.received_at ? dateTime(transfer.received_at) : null],
      [t("form.note"), transfer.note],
    ]),
    canReceive ? countForm(transfer, rerender) : table({
      caption: t("transfer.contents"),
      head: [t("catalogue.product"), t("transfer.shipped")],
      numeric: [1],
      rows: shipped(transfer).map(([key, quantity]) => [productName(key), number(quantity)]),
    }));
}
