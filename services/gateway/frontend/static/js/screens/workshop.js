// The workshop board: how many devices in each state, and the oldest waiting in each step.
import { get } from "../api.js";
import { announce, append, h, replace, table } from "../dom.js";
import { barChart } from "../charts.js";
import { busy, showProblem, field, values } from "../forms.js";
import { age, hoursSince, number, stateName } from "../format.js";
import { t } from "../i18n.js";
import { go } from "../router.js";
import { session } from "../session.js";

export const WORKSHOP_STATES = ["received", "diagnosing", "wiping", "repairing", "grading"];
const ALL_STATES = [...WORKSHOP_STATES, "available", "scrapped"];
const SHOWN_PER_STATE = 8;
const LONG_WAIT_HOURS = 72; // shown in red: waiting three days or more

export const canAct = () => ["workshop", "admin"].includes(session.me.role);

function deviceLabel(device) {
  return [device.brand, device.model].filter(Boolean).join(" ") || stateName("category", device.category);
}

function column(state, count, devices) {
  const titleId = `column-${state}`;
  return h("section", { class: "column", "aria-labelledby": titleId },
    h("h3", { id: titleId }, h("span", null, stateName("state", state)), h("span", { "aria-label": t("board.count", { n: count }) }, number(count))),
    devices.length
      ? h("ol", null, devices.map((device) => {
        const old = hoursSince(device.state_changed_at) >= LONG_WAIT_HOURS;
        return h("li", null,
          h("a", { href: `#/workshop/device/${device.id}` }, device.asset_tag),
          " ", deviceLabel(device),
          h("span", { class: `age${old ? " old" : ""}` }, t("board.waiting", { age: age(device.state_changed_at) })));
      }))
      : h("p", null, t("board.none")),
    count > devices.length ? h("p", null, t("board.more", { n: count - devices.length })) : null);
}

function findForm(results) {
  const form = h("form", { role: "search", novalidate: true, "aria-label": t("board.find") },
    field({ name: "identifier", label: t("board.identifier"), required: true, hint: t("board.identifierHint"), attrs: { autocomplete: "off" } }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("board.search"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { identifier } = values(form);
    if (!identifier) {
      showProblem(form, { status: 422, problem: { code: "identifier-missing", errors: { identifier: [t("board.identifierMissing")] } } });
      return;
    }
    await busy(form, async () => {
      try {
        const page = await get("inventory/devices", { identifier, page_size: 20 });
        if (page.total === 1) {
          go(`workshop/device/${page.items[0].id}`);
          return;
        }
        replace(results, page.total
          ? table({
            caption: t("board.matches", { n: page.total }),
            head: [t("device.assetTag"), t("device.model"), t("device.state")],
            rows: page.items.map((d) => [h("a", { href: `#/workshop/device/${d.id}` }, d.asset_tag), deviceLabel(d), stateName("state", d.state)]),
          })
          : h("p", null, t("board.noMatch")));
        announce(t("board.matches", { n: page.total }));
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

export async function boardScreen(container) {
  const [counts, ...queues] = await Promise.all([
    get("inventory/workshop/counts"),
    ...WORKSHOP_STATES.map((state) => get("inventory/workshop/queue", { state, page_size: SHOWN_PER_STATE })),
  ]);
  const results = h("div", { "aria-live": "polite" });
  append(container, 
    h("h1", null, t("board.title")),
    canAct() ? h("div", { class: "actions" }, h("a", { class: "button", href: "#/workshop/scan" }, t("nav.scan")),
      h("a", { class: "button secondary", href: "#/workshop/labels" }, t("labels.print"))) : null,
    findForm(results),
    results,
    h("h2", null, t("board.queues")),
    h("p", null, t("board.queuesHint")),
    h("div", { class: "board" }, WORKSHOP_STATES.map((state, index) => column(state, counts.counts[state] ?? 0, queues[index].items))),
    h("h2", null, t("board.counts")),
    barChart({
      title: t("board.countsChart"),
      rows: ALL_STATES.map((state) => ({ label: stateName("state", state), value: counts.counts[state] ?? 0 })),
      valueLabel: t("board.devices"),
    }));
}
