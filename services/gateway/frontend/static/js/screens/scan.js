// Scan-driven bulk actions. A barcode scanner types an asset tag or IMEI and Enter: the scan
// field takes a stream of them (each Enter adds one, the field empties at once and keeps the
// focus), then one request moves them all and reports item by item.
import { post } from "../api.js";
import { announce, append, focus, h, replace, table } from "../dom.js";
import { busy, clearErrors, radios, showProblem, values } from "../forms.js";
import { stateName } from "../format.js";
import { t } from "../i18n.js";
import { readRecord, recordFields } from "./records.js";

// What a batch does: the target state and the record handed in with it.
const ACTIONS = {
  diagnose: { to: "diagnosing", record: null },
  wiped: { to: "grading", record: "wipe" },
  repair: { to: "repairing", record: null },
  scrap: { to: "scrapped", record: "scrap" },
};

function resultsTable(answer) {
  return table({
    caption: t("scan.results", { moved: answer.moved, refused: answer.refused }),
    head: [t("scan.identifier"), t("scan.outcome"), t("device.assetTag"), t("device.state"), t("scan.reason")],
    rows: answer.results.map((result) => [
      h("span", { class: "mono" }, result.identifier),
      h("span", { class: `badge ${result.outcome === "moved" ? "ok" : "bad"}` }, t(`scan.${result.outcome}`)),
      result.device_id ? h("a", { href: `#/workshop/device/${result.device_id}` }, result.asset_tag) : "—",
      result.state ? stateName("state", result.state) : "—",
      result.problem ? result.problem.detail || result.problem.title || "" : "",
    ]),
  });
}

export function scanScreen(container) {
  const scanned = [];
  const list = h("ul", { class: "scans", "aria-labelledby": "scanned-title" });
  const heading = h("h2", { id: "scanned-title" });
  const recordArea = h("div");
  const results = h("div");
  const input = h("input", { id: "scan-input", name: "scan", type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": "scan-hint" });
  const submit = h("button", { type: "submit" });

  const refresh = () => {
    heading.textContent = t("scan.scanned", { n: scanned.length });
    submit.textContent = t("scan.apply", { n: scanned.length });
    replace(list, scanned.map((identifier) => h("li", null,
      h("span", { class: "mono" }, identifier),
      h("button", {
        type: "button", class: "secondary", "aria-label": t("scan.remove", { identifier }),
        onclick: () => { scanned.splice(scanned.indexOf(identifier), 1); refresh(); focus(input); },
      }, "×"))));
  };
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const identifier = input.value.trim();
    input.value = "";
    if (!identifier) return;
    if (!scanned.includes(identifier)) scanned.push(identifier);
    refresh();
    announce(t("scan.added", { identifier, n: scanned.length }));
  });

  const form = h("form", { novalidate: true, "aria-labelledby": "scan-title" },
    radios({
      name: "action", legend: t("scan.action"), value: "diagnose", inline: false,
      options: Object.keys(ACTIONS).map((action) => ({ value: action, label: t(`scan.action.${action}`) })),
    }),
    recordArea,
    h("div", { class: "field" },
      h("label", { for: "scan-input" }, t("scan.input")),
      h("span", { class: "hint", id: "scan-hint" }, t("scan.inputHint")),
      input),
    heading,
    list,
    h("div", { class: "actions" }, submit));
  const showRecord = () => {
    const { action } = values(form);
    replace(recordArea, recordFields(ACTIONS[action].record));
  };
  form.querySelectorAll('input[name="action"]').forEach((radio) => radio.addEventListener("change", showRecord));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!scanned.length) {
      showProblem(form, { status: 422, problem: { code: "nothing-scanned", errors: { scan: [t("scan.nothing")] } } });
      return;
    }
    const given = values(form);
    const action = ACTIONS[given.action];
    const body = { to: action.to, identifiers: [...scanned], ...readRecord(action.record, given) };
    await busy(form, async () => {
      try {
        const answer = await post("inventory/devices/bulk-transitions", body);
        // What moved leaves the list; what was refused, or scanned meanwhile, stays.
        const moved = new Set(answer.results.filter((r) => r.outcome === "moved").map((r) => r.identifier));
        scanned.splice(0, scanned.length, ...scanned.filter((identifier) => !moved.has(identifier)));
        refresh();
        replace(results, resultsTable(answer));
        announce(t("scan.results", { moved: answer.moved, refused: answer.refused }));
      } catch (error) {
        showProblem(form, error, { fields: { identifiers: "scan" } });
      }
    });
    focus(input);
  });
  refresh();
  showRecord();
  append(container, 
    h("p", null, h("a", { href: "#/workshop" }, t("device.back"))),
    h("h1", { id: "scan-title" }, t("scan.title")),
    h("p", null, t("scan.intro")),
    form,
    h("section", { "aria-live": "polite" }, results));
  return input;
}
