// Admin (and auditor, read only): what an operator watches — per service the outbox backlog,
// the consumer's queues, its lag (how long nothing was applied while events wait) and its last
// applied event, the dead letters (replayed or discarded here); refused or late sale
// completions; open stock discrepancies.
import { get, request } from "../api.js";
import { announce, append, facts, focus, h, replace, table, uid } from "../dom.js";
import { field, showProblem, values } from "../forms.js";
import { dateTime, number, productName } from "../format.js";
import { t } from "../i18n.js";
import { session } from "../session.js";
import { actionButton } from "./files.js";

const SERVICES = ["donations", "inventory", "sales"];
const LETTERS_SHOWN = 50;

async function settled(promise) {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

function seconds(value) {
  if (value === null || value === undefined) return "—";
  return t("ops.seconds", { n: number(Math.round(value)) });
}

function summaryFacts(summary) {
  return facts([
    [t("ops.outboxUnsent"), number(summary.outbox.unsent)],
    [t("ops.outboxOldest"), seconds(summary.outbox.oldest_unsent_age_seconds)],
    [t("ops.outboxFailing"), number(summary.outbox.failing)],
    [t("ops.waiting"), summary.consumer.waiting === null ? "—" : number(summary.consumer.waiting)],
    [t("ops.lag"), seconds(summary.consumer.lag_seconds)],
    [t("ops.lastApplied"), summary.consumer.last_applied_at
      ? t("ops.lastAppliedValue", { type: summary.consumer.last_applied_type, at: dateTime(summary.consumer.last_applied_at) })
      : t("ops.nothingApplied")],
    [t("ops.deadLetters"), summary.dead_letters === null ? "—" : number(summary.dead_letters)],
    [t("ops.brokerError"), summary.broker_error],
  ]);
}

function discardForm(service, letters, done) {
  const titleId = uid("discard");
  const form = h("form", { novalidate: true, "aria-labelledby": titleId },
    h("h3", { id: titleId }, t("ops.discardTitle", { service: t(`ops.service.${service}`) })),
    h("div", { class: "grid" },
      field({ name: "event_id", label: t("ops.discardWhich"), type: "select", required: true, options: [{ value: "", label: t("form.choose") }, ...letters.map((letter) => ({ value: letter.event_id, label: `${letter.event_type || "?"} — ${letter.event_id}` }))] }),
      field({ name: "reason", label: t("ops.discardReason"), required: true, hint: t("ops.discardHint") })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "secondary" }, t("ops.discard"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await request("POST", `${service}/operations/dead-letters/discard`, { json: values(form) });
    } catch (error) {
      showProblem(form, error);
      return;
    }
    announce(t("ops.discarded"));
    await done();
  });
  return form;
}

function deadLetters(service, page, admin, errors, done) {
  if (!page.items.length) return h("p", null, t("ops.noDeadLetters"));
  const replay = (json) => async () => {
    const { data } = await request("POST", `${service}/operations/dead-letters/replay`, { json });
    announce(t("ops.replayed", { n: data.replayed }));
    await done();
  };
  const head = [t("ops.eventType"), t("ops.reason"), t("ops.subject"), t("ops.eventTime"), t("ops.attempts")];
  return [
    table({
      caption: t("ops.deadCaption", { service: t(`ops.service.${service}`), shown: page.items.length, total: page.total }),
      head: admin ? [...head, t("ops.actions")] : head,
      rows: page.items.map((letter) => {
        const row = [
          letter.event_type || "—",
          h("span", { class: "mono" }, letter.reason || "—"),
          h("span", { class: "mono" }, letter.subject || "—"),
          letter.time ? dateTime(letter.time) : "—",
          letter.attempts ?? "—",
        ];
        if (admin) {
          row.push(actionButton(t("ops.replay", { type: letter.event_type || letter.event_id }), replay({ event_ids: [letter.event_id] }), { errors }));
        }
        return row;
      }),
    }),
    admin ? h("div", { class: "actions" }, actionButton(t("ops.replayAll", { service: t(`ops.service.${service}`) }), replay({ all: true }), { errors, className: "secondary" })) : null,
    admin ? discardForm(service, page.items, done) : null,
  ];
}

function serviceSection(service, summary, letters, admin, rerender) {
  const titleId = `ops-${service}`;
  const errors = h("div");
  const section = h("section", { "aria-labelledby": titleId },
    h("h2", { id: titleId }, t(`ops.service.${service}`)));
  if (summary.error) {
    append(section, h("p", { class: "badge bad" }, t("ops.unreadable", { detail: summary.error.message })));
    return section;
  }
  append(section, summaryFacts(summary.value), errors);
  if (letters.error) append(section, h("p", null, t("ops.unreadable", { detail: letters.error.message })));
  else append(section, deadLetters(service, letters.value, admin, errors, () => rerender(titleId)));
  return section;
}

function completionsSection(page) {
  const titleId = "ops-completions";
  return h("section", { "aria-labelledby": titleId },
    h("h2", { id: titleId }, t("ops.completionsTitle")),
    h("p", { class: "hint" }, t("ops.completionsHint")),
    page.items.length ? table({
      caption: t("ops.completionsCaption", { n: page.total }),
      head: [t("ops.order"), t("ops.kind"), t("ops.expiry"), t("ops.asked"), t("ops.committed")],
      rows: page.items.map((order) => [
        h("span", { class: "mono" }, order.order_id),
        t(`ops.completion.${order.kind}`),
        dateTime(order.expires_at),
        dateTime(order.completion_requested_at),
        dateTime(order.completed_at),
      ]),
    }) : h("p", null, t("ops.noCompletions")));
}

function discrepanciesSection(page) {
  const titleId = "ops-discrepancies";
  return h("section", { "aria-labelledby": titleId },
    h("h2", { id: titleId }, t("ops.discrepanciesTitle")),
    page.items.length ? table({
      caption: t("ops.discrepanciesCaption", { n: page.total }),
      head: [t("ops.discrepancyKind"), t("ops.product"), t("ops.expected"), t("ops.found"), t("ops.firstSeen")],
      numeric: [2, 3],
      rows: page.items.map((row) => [
        row.kind,
        row.product_key ? productName(row.product_key) : "—",
        number(row.expected),
        number(row.found),
        dateTime(row.first_seen_at),
      ]),
    }) : h("p", null, t("ops.noDiscrepancies")));
}

export async function operationsScreen(container) {
  const admin = session.me.role === "admin";
  const [summaries, letters, completions, discrepancies] = await Promise.all([
    Promise.all(SERVICES.map((service) => settled(get(`${service}/operations/summary`)))),
    Promise.all(SERVICES.map((service) => settled(get(`${service}/operations/dead-letters`, { limit: LETTERS_SHOWN })))),
    get("sales/operations/completions", { page_size: 50 }),
    get("inventory/stock/discrepancies", { page_size: 50 }),
  ]);
  const rerender = async (id) => {
    replace(container);
    await operationsScreen(container);
    focus(container.querySelector(`#${id}`) || container.querySelector("h1"));
  };
  append(container,
    h("h1", null, t("ops.title")),
    h("p", { class: "hint" }, t(admin ? "ops.intro" : "ops.introReadOnly")),
    h("div", { class: "actions" }, actionButton(t("ops.refresh"), () => rerender("ops-title"), { className: "secondary" })),
    SERVICES.map((service, i) => serviceSection(service, summaries[i], letters[i], admin, rerender)),
    completionsSection(completions),
    discrepanciesSection(discrepancies));
  container.querySelector("h1").id = "ops-title";
}
