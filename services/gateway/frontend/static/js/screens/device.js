// One device: what it is, its records, its history, and the next steps it may take.
import { request } from "../api.js";
import { announce, facts, focus, h, replace, table } from "../dom.js";
import * as download from "../download.js";
import { busy, field, problemBox, showProblem, values } from "../forms.js";
import { age, dateTime, money, number, stateName } from "../format.js";
import { t } from "../i18n.js";
import { CHECKS, readRecord, recordFields, recordKind } from "./records.js";
import { canAct } from "./workshop.js";

async function load(id) {
  const [device, history] = await Promise.all([
    request("GET", `inventory/devices/${id}`),
    request("GET", `inventory/devices/${id}/history`),
  ]);
  return { device: device.data, etag: device.headers.get("ETag"), history: history.data };
}

function records(device) {
  const parts = [];
  if (device.diagnosis) {
    parts.push(h("h3", null, t("record.diagnosis")), table({
      caption: t("diagnosis.caption", { at: dateTime(device.diagnosis.recorded_at) }),
      head: [t("diagnosis.function"), t("diagnosis.result")],
      rows: CHECKS.filter((check) => check in device.diagnosis.results)
        .map((check) => [t(`check.${check}`), t(`result.${device.diagnosis.results[check]}`)]),
    }), device.diagnosis.battery_health_percent != null
      ? h("p", null, t("diagnosis.batteryIs", { n: device.diagnosis.battery_health_percent })) : null);
  }
  if (device.wipe) {
    const errors = h("div");
    parts.push(h("h3", null, t("record.wipe")), facts([
      [t("wipe.level"), t(`level.${device.wipe.level}`)],
      [t("wipe.method"), t(`method.${device.wipe.method}`)],
      [t("wipe.tool"), `${device.wipe.tool} ${device.wipe.tool_version}`],
      [t("wipe.verification"), t(`verification.${device.wipe.verification_method}`)],
      [t("wipe.issued"), dateTime(device.wipe.issued_at)],
      [t("wipe.sha"), h("span", { class: "mono" }, device.wipe.certificate_sha256)],
    // The certificate names the technicians: not for the auditor (the API refuses it too).
    ]), errors, canAct() && h("div", { class: "actions" }, h("button", {
      type: "button", class: "secondary",
      onclick: async () => {
        replace(errors);
        try {
          await download.save(`inventory/devices/${device.id}/wipe-certificate`);
        } catch (error) {
          replace(errors, problemBox(error));
          focus(errors.firstChild);
        }
      },
    }, t("wipe.certificate"))));
  }
  for (const repair of device.repairs || []) {
    parts.push(h("h3", null, t("record.repair")), facts([
      [t("repair.parts"), repair.parts.map((part) => `${part.quantity} × ${part.name}`).join(", ") || "—"],
      [t("repair.minutes"), number(repair.labour_minutes)],
      [t("repair.cost"), money(repair.cost_cents)],
      [t("form.note"), repair.note],
    ]));
  }
  if (device.grade) {
    parts.push(h("h3", null, t("record.grade")), facts([
      [t("grade.cosmetic"), device.grade.cosmetic],
      [t("grade.functional"), t(`functional.${device.grade.functional}`)],
      [t("grade.label"), device.grade.label],
      [t("grade.buyerNote"), device.grade.buyer_note],
    ]));
  }
  if (device.scrap) {
    parts.push(h("h3", null, t("record.scrap")), facts([
      [t("scrap.reason"), device.scrap.reason],
      [t("scrap.recycler"), device.scrap.recycler_name],
      [t("scrap.certificate"), device.scrap.recycler_certificate_ref],
    ]));
  }
  return parts.length ? parts : [h("p", null, t("record.none"))];
}

function historyTable(history) {
  return table({
    caption: t("history.caption"),
    head: [t("history.at"), t("history.step"), t("history.actor"), t("form.note")],
    rows: history.map((entry) => [
      dateTime(entry.at),
      `${stateName("state", entry.from_state)} → ${stateName("state", entry.to_state)}`,
      entry.actor,
      entry.note || "",
    ]),
  });
}

/** The form for ``device.state -> target``, sent with If-Match so no change is overwritten. */
function transitionForm(device, etag, target, done, cancel) {
  const kind = recordKind(device.state, target);
  const titleId = `step-${target}`;
  const form = h("form", { novalidate: true, "aria-labelledby": titleId },
    h("h3", { id: titleId }, t(`step.${target}`)),
    recordFields(kind),
    field({ name: "note", label: t("step.note"), type: "textarea" }),
    h("div", { class: "actions" },
      h("button", { type: "submit" }, t("step.confirm", { state: stateName("state", target) })),
      h("button", { type: "button", class: "secondary", onclick: cancel }, t("form.cancel"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const given = values(form);
    const body = { to: target, ...readRecord(kind, given), ...(given.note ? { note: given.note } : {}) };
    await busy(form, async () => {
      try {
        await request("POST", `inventory/devices/${device.id}/transitions`, { json: body, extraHeaders: { "If-Match": etag } });
        announce(t("step.done", { tag: device.asset_tag, state: stateName("state", target) }));
        done();
      } catch (error) {
        const problem = error.problem || {};
        if (problem.field && kind) problem.field = `${kind}.${problem.field}`;
        if (Array.isArray(problem.untested)) {
          problem.errors = { json: { diagnosis: Object.fromEntries(problem.untested.map((check) => [check, [t("diagnosis.untested")]])) } };
        }
        const extras = error.status === 412
          ? [h("p", null, t("step.changed")), h("button", { type: "button", class: "secondary", onclick: done }, t("step.reload"))]
          : [];
        showProblem(form, error, { extras });
      }
    });
  });
  return form;
}

function nextSteps(device, etag, rerender) {
  const area = h("div");
  const buttons = () => h("div", { class: "actions" }, device.allowed_next_states.map((target) =>
    h("button", {
      type: "button",
      class: target === "scrapped" ? "danger" : null,
      onclick: () => {
        const form = transitionForm(device, etag, target, () => rerender(), () => { replace(area, buttons()); focus(area.querySelector("button")); });
        replace(area, form);
        focus(form.querySelector("h3"));
      },
    }, t(`step.${target}`))));
  replace(area, buttons());
  return h("section", { "aria-labelledby": "next-title" },
    h("h2", { id: "next-title" }, t("device.next")),
    device.allowed_next_states.length ? area : h("p", null, t("device.final")));
}

export async function deviceScreen(container, id) {
  const { device, etag, history } = await load(id);
  const rerender = async () => {
    await deviceScreen(container, id); // loads, then replaces what is shown
    focus(container.querySelector("#device-state"));
  };
  replace(container, 
    h("p", null, h("a", { href: "#/workshop" }, t("device.back"))),
    h("h1", null, t("device.title", { tag: device.asset_tag })),
    facts([
      [t("device.state"), h("span", { class: "badge", id: "device-state" }, stateName("state", device.state))],
      [t("device.since"), `${dateTime(device.state_changed_at)} (${age(device.state_changed_at)})`],
      [t("device.category"), stateName("category", device.category)],
      [t("device.model"), [device.brand, device.model].filter(Boolean).join(" ")],
      [t("device.serial"), device.serial],
      [t("device.imei"), device.imei],
      [t("device.product"), device.product_key],
    ]),
    canAct() ? nextSteps(device, etag, rerender) : null,
    h("section", { "aria-labelledby": "records-title" }, h("h2", { id: "records-title" }, t("device.records")), records(device)),
    h("section", { "aria-labelledby": "history-title" }, h("h2", { id: "history-title" }, t("device.history")), historyTable(history)));
}
