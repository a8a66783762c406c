// A partner's impact: what became of the devices they gave, cards sold, people reached.
import { get } from "../api.js";
import { barChart } from "../charts.js";
import { append, h, table } from "../dom.js";
import { number } from "../format.js";
import { t } from "../i18n.js";
import { session } from "../session.js";
import { partnerEnvironment } from "./environment.js";
import { partnerWorkbook } from "./workbook.js";

export function figures(pairs) {
  return h("ul", { class: "figures" }, pairs.map(([label, value]) =>
    h("li", { class: "figure" }, h("span", { class: "value" }, value), h("span", { class: "label" }, label))));
}

export async function impactScreen(container) {
  const impact = await get(`donations/partners/${session.me.partner_id}/impact`);
  const cities = Object.entries(impact.people_reached_by_city || {}).sort((a, b) => b[1] - a[1]);
  append(container, 
    h("h1", null, t("impact.title")),
    figures([
      [t("impact.peopleReached"), number(impact.people_reached)],
      [t("impact.devicesReceived"), number(impact.devices_received)],
      [t("impact.devicesSold"), number(impact.devices_sold)],
      [t("impact.cardsSold"), number(impact.cards_sold)],
    ]),
    partnerEnvironment(impact),
    partnerWorkbook(session.me.partner_id),
    h("h2", null, t("impact.devicesTitle")),
    barChart({
      title: t("impact.devicesChart"),
      rows: [
        { label: t("impact.inWorkshop"), value: impact.devices.in_workshop },
        { label: t("impact.refurbished"), value: impact.devices.refurbished },
        { label: t("impact.scrapped"), value: impact.devices.scrapped },
        { label: t("impact.sold"), value: impact.devices_sold },
      ],
      valueLabel: t("board.devices"),
    }),
    h("h2", null, t("impact.citiesTitle")),
    barChart({
      title: t("impact.citiesChart"),
      rows: cities.map(([city, people]) => ({ label: city, value: people })),
      valueLabel: t("impact.people"),
    }),
    h("h2", null, t("impact.perDonation")),
    impact.donations.length
      ? table({
        caption: t("impact.perDonationCaption"),
        head: [t("impact.donation"), t("impact.devicesReceived"), t("impact.inWorkshop"), t("impact.refurbished"), t("impact.scrapped")],
        numeric: [1, 2, 3, 4],
        rows: impact.donations.map((donation) => [
          h("a", { href: `#/partner/donation/${donation.donation_id}` }, donation.donation_id.slice(0, 8)),
          number(donation.devices_received),
          number(donation.in_workshop),
          number(donation.refurbished),
          number(donation.scrapped),
        ]),
      })
      : h("p", null, t("impact.noDonation")));
}
