// Français : l'impact environnemental (partenaire, tableau de bord).
export default {
  "environment.title": "Impact environnemental",
  "environment.kg": "{value} kg",
  "environment.co2e": "CO2e évité",
  "environment.co2eUnit": "kg CO2e évités",
  "environment.materials": "Matières premières évitées",
  "environment.recycled": "Masse recyclée (appareils mis au rebut)",
  "environment.devicesSold": "Appareils vendus",
  "environment.dataDonated": "Go de données donnés",
  "environment.minutesDonated": "Minutes données",
  "environment.dataSold": "Go de données vendus",
  "environment.minutesSold": "Minutes vendues",
  "environment.perDonationCaption": "CO2e et matières évités par don",
  "environment.perMonthChart": "CO2e évité par mois (kg)",
  "environment.method": "Par appareil vendu : facteur ADEME 2022 par année d'usage supplémentaire × années supposées, figé à la vente. Les cartes et les forfaits ne comptent pas ; un appareil mis au rebut compte en masse recyclée.",
};
