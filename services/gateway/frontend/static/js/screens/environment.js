// Environmental impact: kg CO2e and raw materials avoided by the devices sold (frozen at each
// sale by the factors then in force), mass recycled, GB and minutes. Device counts only.
import { barChart } from "../charts.js";
import { h, table } from "../dom.js";
import { month, number } from "../format.js";
import { t } from "../i18n.js";

const kg = (value) => t("environment.kg", { value: number(Math.round(value ?? 0)) });

function list(pairs) {
  return h("ul", { class: "figures environment" }, pairs.map(([label, value]) =>
    h("li", { class: "figure" }, h("span", { class: "value" }, value), h("span", { class: "label" }, label))));
}

// The partner impact (GET /partners/{id}/impact): in total and per donation.
export function partnerEnvironment(impact) {
  const sold = impact.donations.filter((donation) => donation.devices_sold);
  return h("section", { "aria-labelledby": "environment-title" },
    h("h2", { id: "environment-title" }, t("environment.title")),
    list([
      [t("environment.co2e"), kg(impact.co2e_kg)],
      [t("environment.materials"), kg(impact.materials_kg)],
      [t("environment.dataDonated"), number(impact.data_gb_donated)],
      [t("environment.minutesDonated"), number(impact.minutes_donated)],
    ]),
    sold.length
      ? table({
        caption: t("environment.perDonationCaption"),
        head: [t("impact.donation"), t("environment.devicesSold"), t("environment.co2e"), t("environment.materials")],
        numeric: [1, 2, 3],
        rows: sold.map((donation) => [
          donation.donation_id.slice(0, 8),
          number(donation.devices_sold),
          kg(donation.co2e_kg),
          kg(donation.materials_kg),
        ]),
      })
      : null,
    h("p", { class: "hint" }, t("environment.method")));
}

// The programme dashboard (GET /impact, /impact/monthly): totals and CO2e per month.
export function programmeEnvironment(environment, monthly) {
  const byMonth = new Map();
  for (const row of monthly) {
    byMonth.set(row.month, (byMonth.get(row.month) || 0) + (row.environment?.co2e_kg || 0));
  }
  const months = [...byMonth].sort((a, b) => a[0].localeCompare(b[0]));
  return h("section", { "aria-labelledby": "environment-title" },
    h("h2", { id: "environment-title" }, t("environment.title")),
    list([
      [t("environment.co2e"), kg(environment?.co2e_kg)],
      [t("environment.materials"), kg(environment?.materials_kg)],
      [t("environment.recycled"), kg(environment?.recycled_kg)],
      [t("environment.dataSold"), number(environment?.data_gb_sold)],
      [t("environment.minutesSold"), number(environment?.minutes_sold)],
    ]),
    barChart({
      title: t("environment.perMonthChart"),
      rows: months.map(([label, value]) => ({ label: month(label), value: Math.round(value) })),
      valueLabel: t("environment.co2eUnit"),
    }),
    h("p", { class: "hint" }, t("environment.method")));
}
