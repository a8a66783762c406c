// An order at the counter: the reservation outcome as soon as it is known, the payment
// (recorded only once inventory confirmed the goods), the receipt, and the prepaid-card codes.
import { get, post } from "../api.js";
import { announce, facts, focus, h, replace, table } from "../dom.js";
import * as download from "../download.js";
import { busy, field, problemBox, radios, showProblem, values } from "../forms.js";
import { date, dateTime, money, number, productName, stateName } from "../format.js";
import { t } from "../i18n.js";
import { go } from "../router.js";

const WAIT_ROUNDS = 3; // each ?wait=5 answers as soon as the order's state changes
const UNDECIDED = ["pending", "completing"]; // inventory has not answered yet

async function decided(id) {
  let order = await get(`sales/orders/${id}`);
  for (let round = 0; UNDECIDED.includes(order.state) && round < WAIT_ROUNDS; round += 1) {
    order = await get(`sales/orders/${id}`, { wait: 5 });
  }
  return order;
}

function linesTable(order) {
  return table({
    caption: t("order.lines"),
    head: [t("catalogue.product"), t("catalogue.quantity"), t("catalogue.solidarity"), t("catalogue.market"), t("order.lineTotal")],
    numeric: [1, 2, 3, 4],
    rows: order.lines.map((line) => [
      productName(line.product_key),
      number(line.quantity),
      money(line.unit_solidarity_cents),
      money(line.unit_market_cents),
      money(line.unit_solidarity_cents * line.quantity),
    ]),
  });
}

function outcome(order) {
  const state = stateName("orderState", order.state);
  if (order.state === "reserved") {
    return h("div", { class: "notice ok", id: "outcome" }, h("p", null, h("strong", null, state)), h("p", null, t("order.reservedUntil", { time: dateTime(order.expires_at) })));
  }
  if (order.state === "rejected") {
    return h("div", { class: "notice warn", id: "outcome" }, h("p", null, h("strong", null, state)),
      h("ul", null, (order.refused_lines || []).map((line) => h("li", null,
        t("order.refusedLine", { product: productName(line.product_key || ""), requested: number(line.requested ?? 0), available: number(line.available ?? 0) })))));
  }
  if (order.state === "completed") {
    return h("div", { class: "notice ok", id: "outcome" }, h("p", null, h("strong", null, state)), h("p", null, t("order.receiptNumber", { number: order.receipt_number })));
  }
  if (order.state === "pending") return h("p", { class: "notice", id: "outcome" }, t("order.stillPending"));
  if (order.state === "completing") return h("p", { class: "notice", id: "outcome" }, t("order.stillCompleting"));
  if (order.state === "completion_refused") {
    return h("div", { class: "notice warn", id: "outcome" }, h("p", null, h("strong", null, state)), h("p", null, t("order.notCompleted")));
  }
  return h("p", { class: "notice warn", id: "outcome" }, h("strong", null, state), " ", order.end_reason || "");
}

function completionForm(order, rerender) {
  const form = h("form", { novalidate: true, "aria-labelledby": "pay-title" },
    h("h2", { id: "pay-title" }, t("order.pay")),
    radios({
      name: "payment_method", legend: t("order.paymentMethod"), required: true,
      options: ["cash", "card", "cheque"].map((value) => ({ value, label: t(`payment.${value}`) })),
    }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("order.complete"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { payment_method: method } = values(form);
    if (!method) {
      showProblem(form, { status: 422, problem: { code: "payment-missing", errors: { payment_method: [t("order.paymentMissing")] } } });
      return;
    }
    await busy(form, async () => {
      try {
        const answer = await post(`sales/orders/${order.id}/completion`, { payment_method: method }, { query: { wait: 5 } });
        announce(t(answer.state === "completed" ? "order.completed" : "order.stillCompleting"));
        rerender("outcome");
      } catch (error) {
        if (error.problem?.code === "sale-not-completed") {
          announce(t("order.notCompleted"));
          rerender("outcome");
        } else {
          showProblem(form, error);
        }
      }
    });
  });
  return form;
}

/** Cancel with a reason (kept on the order): inventory releases what it holds. */
function cancellationForm(order, rerender) {
  const form = h("form", { novalidate: true, "aria-labelledby": "cancel-title" },
    h("h2", { id: "cancel-title" }, t("order.cancelTitle")),
    field({ name: "reason", label: t("order.cancelReason"), required: true, hint: t("order.cancelHint"), attrs: { maxlength: 200 } }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "secondary" }, t("order.cancel"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { reason } = values(form);
    if (!reason) {
      showProblem(form, { status: 422, problem: { code: "reason-missing", errors: { reason: [t("order.reasonMissing")] } } });
      return;
    }
    await busy(form, async () => {
      try {
        await post(`sales/orders/${order.id}/cancellation`, { reason });
        announce(t("order.cancelled"));
        rerender("outcome");
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

function receiptActions(order) {
  const errors = h("div");
  const run = (action) => async () => {
    replace(errors);
    try {
      await action(`sales/orders/${order.id}/receipt.pdf`);
    } catch (error) {
      replace(errors, problemBox(error));
      focus(errors.firstChild);
    }
  };
  return h("section", { "aria-labelledby": "receipt-title" },
    h("h2", { id: "receipt-title" }, t("order.receipt")),
    errors,
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: run(download.open) }, t("order.printReceipt")),
      h("button", { type: "button", class: "secondary", onclick: run(download.save) }, t("order.downloadReceipt"))));
}

/** The codes of a completed sale (inventory committed it before sales recorded it; each
 * ?wait=5 still answers as soon as a commit under way ends). */
async function revealWhenSold(orderId, status) {
  const slow = window.setTimeout(() => { status.textContent = t("codes.waiting"); }, 500);
  try {
    for (let round = 1; ; round += 1) {
      try {
        return await post(`inventory/orders/${orderId}/card-codes/reveal`, {}, { query: { wait: 5 } });
      } catch (error) {
        if (error.problem?.code !== "no-card-codes" || round >= WAIT_ROUNDS) throw error;
      }
    }
  } finally {
    window.clearTimeout(slow);
  }
}

function codesSection(order) {
  const area = h("div", { "aria-live": "polite" });
  const status = h("p", { class: "hint", "aria-live": "polite" });
  const button = h("button", { type: "button" }, t("codes.reveal"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    replace(area);
    try {
      const revealed = await revealWhenSold(order.id, status);
      status.textContent = "";
      button.remove();
      replace(area,
        h("p", { class: "notice warn" }, t("codes.onceShown")),
        table({
          caption: t("codes.caption"),
          className: "codes",
          head: [t("codes.product"), t("codes.serial"), t("codes.code"), t("codes.expiry")],
          rows: revealed.cards.map((card) => [
            productName(card.product_key),
            h("span", { class: "mono" }, card.serial),
            h("span", { class: "mono code" }, card.code),
            date(card.expiry_date),
          ]),
        }));
      announce(t("codes.revealed", { n: revealed.cards.length }));
      focus(area.querySelector("table"));
    } catch (error) {
      status.textContent = "";
      button.disabled = false;
      replace(area, problemBox(error));
      focus(area.firstChild);
    }
  });
  return h("section", { "aria-labelledby": "codes-title" },
    h("h2", { id: "codes-title" }, t("codes.title")),
    h("p", null, t("codes.intro")),
    status,
    h("div", { class: "actions" }, button),
    area);
}

export async function orderScreen(container, id) {
  const order = await decided(id);
  const rerender = async (focusId) => {
    await orderScreen(container, id); // loads, then replaces what is shown
    focus(container.querySelector(focusId ? `#${focusId}` : "h1"));
  };
  const hasCards = order.lines.some((line) => line.family === "prepaid_card");
  replace(container, 
    h("p", null, h("a", { href: `#/counter/person/${order.beneficiary_code}` }, t("order.backToPerson"))),
    h("h1", null, t("order.title")),
    outcome(order),
    facts([
      [t("person.code"), h("span", { class: "mono" }, order.beneficiary_code)],
      [t("order.placedAt"), dateTime(order.placed_at)],
      [t("order.total"), money(order.total_cents)],
      [t("order.marketTotal"), money(order.market_total_cents)],
      [t("order.savings"), money(order.savings_cents)],
      [t("order.payment"), order.payment_method ? t(`payment.${order.payment_method}`) : null],
    ]),
    linesTable(order),
    order.state === "reserved" ? completionForm(order, rerender) : null,
    ["pending", "reserved"].includes(order.state) ? cancellationForm(order, rerender) : null,
    UNDECIDED.includes(order.state) ? h("div", { class: "actions" }, h("button", { type: "button", onclick: () => rerender("outcome") }, t("order.refresh"))) : null,
    order.state === "completed" ? receiptActions(order) : null,
    order.state === "completed" && hasCards ? codesSection(order) : null,
    ["rejected", "cancelled", "expired", "completion_refused"].includes(order.state)
      ? h("div", { class: "actions" }, h("button", { type: "button", onclick: () => go(`counter/person/${order.beneficiary_code}`) }, t("order.tryAgain")))
      : null);
  return container.querySelector("#outcome");
}
