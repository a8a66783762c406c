// Counter: the day's orders at this site, newest first, with the day's takings and each
// completed sale's receipt to print or save.
import { get } from "../api.js";
import { append, h, table } from "../dom.js";
import * as download from "../download.js";
import { dateTime, money, number, stateName } from "../format.js";
import { t } from "../i18n.js";
import { actionButton } from "./files.js";
import { figures } from "./impact.js";

const PAGES = 10; // at most 1,000 orders a day

async function todaysOrders() {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const found = [];
  for (let page = 1; page <= PAGES; page += 1) {
    const answer = await get("sales/orders", { page, page_size: 100 });
    const today = answer.items.filter((order) => new Date(order.placed_at) >= start);
    found.push(...today);
    if (today.length < answer.items.length || found.length >= answer.total || !answer.items.length) break;
  }
  return found;
}

export async function daySalesScreen(container) {
  const orders = await todaysOrders();
  const sold = orders.filter((order) => order.state === "completed");
  const errors = h("div");
  append(container,
    h("h1", null, t("day.title")),
    figures([
      [t("day.sales"), number(sold.length)],
      [t("day.takings"), money(sold.reduce((sum, order) => sum + order.total_cents, 0))],
      [t("day.savings"), money(sold.reduce((sum, order) => sum + (order.savings_cents || 0), 0))],
    ]),
    errors,
    orders.length
      ? table({
        caption: t("day.caption", { n: orders.length }),
        head: [t("day.time"), t("person.code"), t("day.state"), t("order.total"), t("day.receipt")],
        numeric: [3],
        rows: orders.map((order) => [
          h("a", { href: `#/counter/order/${order.id}` }, dateTime(order.placed_at)),
          h("span", { class: "mono" }, order.beneficiary_code),
          stateName("orderState", order.state),
          money(order.total_cents),
          order.state === "completed"
            ? actionButton(t("day.print", { number: order.receipt_number }), () => download.open(`sales/orders/${order.id}/receipt.pdf`), { errors, className: "secondary" })
            : "—",
        ]),
      })
      : h("p", null, t("day.none")));
}
