// The programme dashboard (admin, auditor): people helped against the target, per city and
// month; stock on hand; the workshop's pipeline and its weekly throughput.
import { allPages, get } from "../api.js";
import { barChart, columnChart, progressChart } from "../charts.js";
import { append, h, table } from "../dom.js";
import { date, money, month, number, productName, stateName } from "../format.js";
import { t } from "../i18n.js";
import { programmeEnvironment } from "./environment.js";
import { figures } from "./impact.js";
import { monthlyReports, programmeWorkbook } from "./workbook.js";

const STATES = ["received", "diagnosing", "wiping", "repairing", "grading", "available", "scrapped"];
const WEEKS = 12;

function sumBy(rows, key, value) {
  const totals = new Map();
  for (const row of rows) totals.set(key(row), (totals.get(key(row)) || 0) + value(row));
  return totals;
}

function throughputChart(throughput) {
  return columnChart({
    title: t("dashboard.throughputChart", { n: throughput.weeks.length }),
    headLabel: t("dashboard.weekHead"),
    series: [
      { name: t("dashboard.madeAvailable"), className: "chart-bar" },
      { name: t("dashboard.scrapped"), className: "chart-bar second" },
    ],
    rows: throughput.weeks.map((week) => {
      const weekNumber = Number(week.week.slice(-2));
      return {
        label: t("dashboard.week", { week: weekNumber, date: date(week.starts_on) }),
        short: t("dashboard.weekShort", { week: weekNumber }),
        values: [week.made_available, week.scrapped],
      };
    }),
  });
}

export async function dashboardScreen(container) {
  const [impact, monthly, counts, throughput, stock, reports] = await Promise.all([
    get("sales/impact"),
    get("sales/impact/monthly"),
    get("inventory/workshop/counts"),
    get("inventory/workshop/throughput", { weeks: WEEKS }),
    allPages("inventory/stock", {}, 1000),
    monthlyReports(),
  ]);
  const byCity = [...sumBy(monthly, (row) => row.city || row.site_name || row.site_id, (row) => row.people)]
    .sort((a, b) => b[1] - a[1]);
  const byMonth = [...sumBy(monthly, (row) => row.month, (row) => row.people)].sort((a, b) => a[0].localeCompare(b[0]));
  const families = [...sumBy(stock, (row) => row.family, (row) => row.available)];
  const products = [...sumBy(stock, (row) => productName(row.product_key, row.label), (row) => row.available)];
  append(container, 
    h("h1", null, t("dashboard.title")),
    progressChart({ title: t("dashboard.target"), value: impact.people_helped, target: impact.target }),
    figures([
      [t("dashboard.people"), number(impact.people_helped)],
      [t("dashboard.orders"), number(impact.orders)],
      [t("dashboard.devices"), number(impact.items_by_family.device)],
      [t("dashboard.cards"), number(impact.items_by_family.prepaid_card)],
      [t("dashboard.revenue"), money(impact.revenue_cents)],
      [t("dashboard.savings"), money(impact.savings_cents)],
    ]),
    programmeEnvironment(impact.environment, monthly),
    programmeWorkbook(),
    reports,
    h("h2", null, t("dashboard.perCity")),
    barChart({ title: t("dashboard.perCityChart"), rows: byCity.map(([label, value]) => ({ label, value })), valueLabel: t("impact.people") }),
    h("h2", null, t("dashboard.perMonth")),
    barChart({ title: t("dashboard.perMonthChart"), rows: byMonth.map(([label, value]) => ({ label: month(label), value })), valueLabel: t("impact.people") }),
    h("h2", null, t("dashboard.stock")),
    barChart({ title: t("dashboard.stockChart"), rows: families.map(([family, value]) => ({ label: t(`family.${family}`), value })), valueLabel: t("dashboard.available") }),
    products.length
      ? table({
        caption: t("dashboard.stockCaption"),
        head: [t("catalogue.product"), t("dashboard.available")],
        numeric: [1],
        rows: products.map(([label, value]) => [label, number(value)]),
      })
      : null,
    h("h2", null, t("dashboard.workshop")),
    barChart({
      title: t("dashboard.workshopChart"),
      rows: STATES.map((state) => ({ label: stateName("state", state), value: counts.counts[state] ?? 0 })),
      valueLabel: t("board.devices"),
    }),
    throughputChart(throughput));
}
