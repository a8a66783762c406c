// Funder workbooks (.xlsx) and the monthly reports: on the dashboard (admin, auditor) the
// programme's workbook for chosen months and the reports the worker made on the 1st of each
// month; on the partner's impact screen, its own workbook.
import { get } from "../api.js";
import { announce, h, table, uid } from "../dom.js";
import * as download from "../download.js";
import { busy, field, showProblem, values } from "../forms.js";
import { date, month } from "../format.js";
import { t } from "../i18n.js";
import { actionButton } from "./files.js";

function monthOf(day) {
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, "0")}`;
}

/** "Télécharger le classeur": the programme's workbook for months ``from``..``to``. */
export function programmeWorkbook() {
  const now = new Date();
  const titleId = uid("workbook");
  const form = h("form", { novalidate: true, "aria-labelledby": titleId, class: "inline-form" },
    field({ name: "from", label: t("workbook.from"), type: "month", required: true,
      value: monthOf(new Date(now.getFullYear(), now.getMonth() - 11, 1)), attrs: { pattern: "[0-9]{4}-[0-9]{2}" } }),
    field({ name: "to", label: t("workbook.to"), type: "month", required: true,
      value: monthOf(now), attrs: { pattern: "[0-9]{4}-[0-9]{2}" } }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("workbook.download"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const period = values(form);
    await busy(form, async () => {
      try {
        const query = new URLSearchParams({ from: period.from, to: period.to });
        await download.save(`sales/impact/workbook.xlsx?${query}`);
        announce(t("workbook.ready"));
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return h("section", { "aria-labelledby": titleId },
    h("h2", { id: titleId }, t("workbook.title")),
    h("p", { class: "hint" }, t("workbook.intro")),
    form);
}

/** The monthly reports, newest first, each as a PDF and a workbook. */
export async function monthlyReports() {
  const reports = await get("sales/reports");
  const titleId = uid("reports");
  const errors = h("div");
  return h("section", { "aria-labelledby": titleId },
    h("h2", { id: titleId }, t("reports.title")),
    h("p", { class: "hint" }, t("reports.intro")),
    errors,
    reports.length
      ? table({
        caption: t("reports.caption"),
        head: [t("reports.month"), t("reports.madeOn"), t("reports.files")],
        rows: reports.map((report) => [
          month(report.month),
          date(report.made_at),
          h("div", { class: "actions" },
            actionButton(t("reports.pdf", { month: month(report.month) }),
              () => download.save(`sales/reports/${report.id}/report.pdf`), { errors, className: "secondary" }),
            actionButton(t("reports.xlsx", { month: month(report.month) }),
              () => download.save(`sales/reports/${report.id}/workbook.xlsx`), { errors, className: "secondary" })),
        ]),
      })
      : h("p", null, t("reports.none")));
}

/** The partner's own workbook: its donations, what became of them, per month. */
export function partnerWorkbook(partnerId) {
  const titleId = uid("partner-workbook");
  const errors = h("div");
  return h("section", { "aria-labelledby": titleId },
    h("h2", { id: titleId }, t("workbook.partnerTitle")),
    h("p", { class: "hint" }, t("workbook.partnerIntro")),
    errors,
    h("div", { class: "actions" },
      actionButton(t("workbook.download"), async () => {
        await download.save(`donations/partners/${partnerId}/impact/workbook.xlsx`);
        announce(t("workbook.ready"));
      }, { errors })));
}
