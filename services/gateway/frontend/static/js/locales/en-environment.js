// English: environmental impact (partner, dashboard).
export default {
  "environment.title": "Environmental impact",
  "environment.kg": "{value} kg",
  "environment.co2e": "CO2e avoided",
  "environment.co2eUnit": "kg CO2e avoided",
  "environment.materials": "Raw materials avoided",
  "environment.recycled": "Mass recycled (scrapped devices)",
  "environment.devicesSold": "Devices sold",
  "environment.dataDonated": "GB of data donated",
  "environment.minutesDonated": "Minutes donated",
  "environment.dataSold": "GB of data sold",
  "environment.minutesSold": "Minutes sold",
  "environment.perDonationCaption": "CO2e and materials avoided per donation",
  "environment.perMonthChart": "CO2e avoided per month (kg)",
  "environment.method": "Per device sold: ADEME 2022 factor per year of extra use × assumed years, frozen at the sale. Cards and allowances do not count; a scrapped device counts as recycled mass.",
};
