// One donation: its lines, the files of serials/IMEIs or card codes (with a progress bar and
// every refused row listed), and the donation receipt once it is received.
import { get, uploadCsv } from "../api.js";
import { announce, append, facts, focus, h, replace, table } from "../dom.js";
import * as download from "../download.js";
import { busy, problemBox, showProblem } from "../forms.js";
import { date, dateTime, money, number, stateName } from "../format.js";
import { t, translateMessage } from "../i18n.js";
import { lineSummary } from "./partner.js";

const REPORTED_ROWS = 500;

function badRows(rows) {
  const shown = rows.slice(0, REPORTED_ROWS);
  return [
    table({
      caption: t("upload.badRows", { n: rows.length }),
      className: "bad-rows",
      head: [t("upload.row"), t("upload.value"), t("upload.problem")],
      numeric: [0],
      rows: shown.map((row) => [row.row ? number(row.row) : t("upload.wholeFile"), row.value ?? "—", translateMessage(row.problem)]),
    }),
    rows.length > shown.length ? h("p", null, t("upload.moreRows", { n: rows.length - shown.length })) : null,
  ];
}

function uploadForm(donation, line, index) {
  const codes = line.kind === "prepaid_cards";
  const path = `donations/donations/${donation.id}/lines/${line.id}/${codes ? "codes" : "identifiers"}`;
  const titleId = `upload-title-${index}`;
  const fileId = `file-${index}`;
  const progressId = `progress-${index}`;
  const progress = h("progress", { id: progressId, max: 100, value: 0 });
  const progressText = h("span", { "aria-live": "polite" });
  const progressBox = h("div", { class: "field", hidden: true },
    h("label", { for: progressId }, t("upload.progress")), progress, " ", progressText);
  const outcome = h("div");
  const form = h("form", { novalidate: true, "aria-labelledby": titleId },
    h("div", { class: "field" },
      h("label", { for: fileId }, t(codes ? "upload.codesFile" : "upload.identifiersFile")),
      h("span", { class: "hint", id: `${fileId}-hint` }, t(codes ? "upload.codesHint" : "upload.identifiersHint")),
      h("input", { type: "file", id: fileId, name: "file", accept: ".csv,text/csv", "aria-describedby": `${fileId}-hint` })),
    progressBox,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("upload.send"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(outcome);
    const chosen = form.elements.file.files[0];
    if (!chosen) {
      showProblem(form, { status: 422, problem: { code: "file-missing", errors: { file: [t("upload.fileMissing")] } } });
      return;
    }
    progressBox.hidden = false;
    progress.value = 0;
    await busy(form, async () => {
      try {
        const answer = await uploadCsv(path, chosen, (loaded, total) => {
          progress.value = Math.round((loaded / total) * 100);
          progressText.textContent = t("upload.sent", { percent: progress.value });
        });
        progress.value = 100;
        progressText.textContent = t("upload.sent", { percent: 100 });
        form.querySelectorAll(".error-summary, .error-message").forEach((node) => node.remove());
        replace(outcome, h("p", { class: "notice ok", tabindex: "-1" }, t("upload.accepted", { accepted: number(answer.accepted), rows: number(answer.rows_read) })));
        announce(outcome.textContent);
        focus(outcome.firstChild);
      } catch (error) {
        const rows = error.problem?.bad_rows || [];
        showProblem(form, error, { extras: rows.length ? badRows(rows) : [] });
      }
    });
  });
  return h("section", { "aria-labelledby": titleId },
    h("h3", { id: titleId }, t("upload.title", { n: index + 1, line: lineSummary(line) })),
    form,
    outcome);
}

function receiptSection(donation) {
  const errors = h("div");
  return h("section", { "aria-labelledby": "receipt-title" },
    h("h2", { id: "receipt-title" }, t("donation.receipt")),
    donation.receipt_number
      ? [errors, h("div", { class: "actions" }, h("button", {
        type: "button",
        onclick: async () => {
          replace(errors);
          try {
            await download.save(`donations/donations/${donation.id}/receipt.pdf`);
          } catch (error) {
            replace(errors, problemBox(error));
            focus(errors.firstChild);
          }
        },
      }, t("donation.downloadReceipt", { number: donation.receipt_number })))]
      : h("p", null, t("donation.noReceipt")));
}

export async function donationScreen(container, id) {
  const [donation, sites] = await Promise.all([get(`donations/donations/${id}`), get("inventory/sites")]);
  const site = sites.find((candidate) => candidate.id === donation.site_id);
  const uploadable = donation.lines
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => line.kind === "prepaid_cards" || (line.kind === "hardware_lot" && donation.state === "announced"));
  append(container, 
    h("p", null, h("a", { href: "#/partner" }, t("donation.back"))),
    h("h1", null, t("donation.title", { date: date(donation.announced_at) })),
    facts([
      [t("donations.state"), stateName("donationState", donation.state)],
      [t("announce.site"), site ? `${site.name} (${site.city})` : donation.site_id],
      [t("donations.announced"), dateTime(donation.announced_at)],
      [t("donation.received"), donation.received_at ? dateTime(donation.received_at) : null],
      [t("donation.value"), donation.total_declared_value_cents ? money(donation.total_declared_value_cents) : null],
    ]),
    table({
      caption: t("donation.lines"),
      head: [t("line.title", { n: "" }).trim(), t("line.kind"), t("donation.expected"), t("donation.receivedQuantity"), t("donation.identifiers")],
      numeric: [2, 3, 4],
      rows: donation.lines.map((line, index) => [
        String(index + 1),
        lineSummary(line),
        number(line.expected_quantity),
        line.received_quantity == null ? "—" : number(line.received_quantity),
        number((line.serials?.length || 0) + (line.imeis?.length || 0)),
      ]),
    }),
    uploadable.length
      ? h("section", { "aria-labelledby": "files-title" },
        h("h2", { id: "files-title" }, t("upload.heading")),
        uploadable.map(({ line, index }) => uploadForm(donation, line, index)))
      : null,
    receiptSection(donation));
}
