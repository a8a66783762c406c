// The single-page application: hash routes, one screen per route, chosen by the role that
// GET /api/me reports for the user's key.
import { get } from "./api.js";
import { append, focus, h, replace } from "./dom.js";
import { problemBox } from "./forms.js";
import { lang, setLang, t } from "./i18n.js";
import { currentPath, go, onNavigate } from "./router.js";
import { session } from "./session.js";
import { signIn } from "./screens/signin.js";
import { counterHome, personScreen } from "./screens/counter.js";
import { orderScreen } from "./screens/sale.js";
import { boardScreen } from "./screens/workshop.js";
import { deviceScreen } from "./screens/device.js";
import { scanScreen } from "./screens/scan.js";
import { labelsScreen } from "./screens/labels.js";
import { announceScreen, donationsScreen } from "./screens/partner.js";
import { donationScreen } from "./screens/donation.js";
import { impactScreen } from "./screens/impact.js";
import { dashboardScreen } from "./screens/dashboard.js";
import { receptionScreen, receptionsScreen } from "./screens/reception.js";
import { newTransferScreen } from "./screens/transfer_new.js";
import { transferScreen, transfersScreen } from "./screens/transfers.js";
import { daySalesScreen } from "./screens/daysales.js";
import { organisationsScreen } from "./screens/organisations.js";
import { pricesScreen } from "./screens/prices.js";
import { limitsScreen } from "./screens/limits.js";
import { sitesScreen } from "./screens/sites.js";
import { keysScreen } from "./screens/keys.js";
import { operationsScreen } from "./screens/operations.js";
import { webhooksScreen } from "./screens/webhooks.js";

const WORKSHOP_READERS = ["workshop", "admin", "auditor"];
const WORKSHOP_ACTORS = ["workshop", "admin"];
const ROUTES = [
  { path: /^counter$/, roles: ["counter"], screen: counterHome },
  { path: /^counter\/person\/([\w-]+)$/, roles: ["counter"], screen: personScreen },
  { path: /^counter\/order\/([\w-]+)$/, roles: ["counter"], screen: orderScreen },
  { path: /^counter\/transfers$/, roles: ["counter"], screen: transfersScreen },
  { path: /^counter\/transfer\/([\w-]+)$/, roles: ["counter"], screen: transferScreen },
  { path: /^counter\/sales$/, roles: ["counter"], screen: daySalesScreen },
  { path: /^workshop$/, roles: WORKSHOP_READERS, screen: boardScreen },
  { path: /^workshop\/scan$/, roles: ["workshop", "admin"], screen: scanScreen },
  { path: /^workshop\/labels$/, roles: WORKSHOP_ACTORS, screen: labelsScreen },
  { path: /^workshop\/device\/([\w-]+)$/, roles: WORKSHOP_READERS, screen: deviceScreen },
  { path: /^workshop\/receptions$/, roles: WORKSHOP_ACTORS, screen: receptionsScreen },
  { path: /^workshop\/reception\/([\w-]+)$/, roles: WORKSHOP_ACTORS, screen: receptionScreen },
  { path: /^workshop\/transfers$/, roles: WORKSHOP_ACTORS, screen: transfersScreen },
  { path: /^workshop\/transfer\/new$/, roles: WORKSHOP_ACTORS, screen: newTransferScreen },
  { path: /^workshop\/transfer\/([\w-]+)$/, roles: WORKSHOP_ACTORS, screen: transferScreen },
  { path: /^admin\/organisations$/, roles: ["admin"], screen: organisationsScreen },
  { path: /^admin\/prices$/, roles: ["admin"], screen: pricesScreen },
  { path: /^admin\/limits$/, roles: ["admin"], screen: limitsScreen },
  { path: /^admin\/sites$/, roles: ["admin"], screen: sitesScreen },
  { path: /^admin\/keys$/, roles: ["admin"], screen: keysScreen },
  { path: /^partner$/, roles: ["partner"], screen: donationsScreen },
  { path: /^partner\/new$/, roles: ["partner"], screen: announceScreen },
  { path: /^partner\/donation\/([\w-]+)$/, roles: ["partner"], screen: donationScreen },
  { path: /^partner\/impact$/, roles: ["partner"], screen: impactScreen },
  { path: /^partner\/webhooks$/, roles: ["partner"], screen: webhooksScreen },
  { path: /^dashboard$/, roles: ["admin", "auditor"], screen: dashboardScreen },
  { path: /^operations$/, roles: ["admin", "auditor"], screen: operationsScreen },
];
const NAV = {
  counter: [["counter", "nav.counter"], ["counter/transfers", "nav.receiveTransfers"], ["counter/sales", "nav.daySales"]],
  workshop: [["workshop", "nav.board"], ["workshop/scan", "nav.scan"], ["workshop/labels", "nav.labels"], ["workshop/receptions", "nav.receptions"], ["workshop/transfers", "nav.transfers"]],
  partner: [["partner", "nav.donations"], ["partner/new", "nav.announce"], ["partner/impact", "nav.impact"], ["partner/webhooks", "nav.webhooks"]],
  admin: [["dashboard", "nav.dashboard"], ["workshop", "nav.board"], ["workshop/receptions", "nav.receptions"], ["workshop/transfers", "nav.transfers"],
    ["admin/organisations", "nav.organisations"], ["admin/prices", "nav.prices"], ["admin/limits", "nav.limits"], ["admin/sites", "nav.sites"], ["admin/keys", "nav.keys"], ["operations", "nav.operations"]],
  auditor: [["dashboard", "nav.dashboard"], ["workshop", "nav.board"], ["operations", "nav.operations"]],
};
const HOME = { counter: "counter", workshop: "workshop", partner: "partner", admin: "dashboard", auditor: "dashboard" };

let rendering = 0;

function chrome() {
  document.getElementById("skip-link").textContent = t("chrome.skip");
  document.getElementById("brand").textContent = t("chrome.brand");
  document.getElementById("docs-link").textContent = t("chrome.docs");
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", t("chrome.nav"));
  const path = currentPath();
  const links = session.me ? NAV[session.me.role] || [] : [];
  const active = links.map(([target]) => target).filter((target) => path === target || path.startsWith(`${target}/`))
    .sort((a, b) => b.length - a.length)[0];
  replace(nav, links.length ? h("ul", null, links.map(([target, label]) =>
    h("li", null, h("a", { href: `#/${target}`, "aria-current": target === active ? "page" : null }, t(label))))) : null);
  const other = lang() === "fr" ? "en" : "fr";
  replace(document.getElementById("tools"),
    session.me ? h("span", { class: "who" }, t("chrome.who", { name: session.me.name, role: t(`role.${session.me.role}`) })) : null,
    h("button", {
      type: "button", class: "button secondary", lang: other,
      onclick: () => { setLang(other); render(); },
    }, t("chrome.otherLanguage")),
    session.me ? h("button", {
      type: "button", class: "button secondary",
      onclick: () => { session.signOut(); go(""); },
    }, t("chrome.signOut")) : null);
}

async function screenFor(path, container) {
  if (!session.key()) return signIn(container, { onSignedIn: () => go(HOME[session.me.role]) });
  if (!session.me) {
    try {
      session.me = await get("me");
    } catch (error) {
      if (error.status !== 401) throw error; // the network, not the key: keep the key
      session.signOut();
      return signIn(container, { onSignedIn: () => go(HOME[session.me.role]), error });
    }
  }
  const route = ROUTES.find((candidate) => candidate.path.test(path) && candidate.roles.includes(session.me.role));
  if (!HOME[session.me.role]) {
    append(container, h("h1", null, t("error.noScreens")));
    return null;
  }
  if (!route) {
    window.location.replace(`#/${HOME[session.me.role]}`);
    return null;
  }
  return route.screen(container, ...path.match(route.path).slice(1));
}

async function render() {
  const turn = ++rendering;
  const main = document.getElementById("main");
  const path = currentPath();
  chrome();
  main.setAttribute("aria-busy", "true");
  const container = h("div", { class: "screen" });
  let target = null;
  try {
    target = await screenFor(path, container);
  } catch (error) {
    replace(container, h("h1", null, t("error.screen")), problemBox(error),
      h("div", { class: "actions" }, h("button", { type: "button", onclick: render }, t("error.retry"))));
  }
  if (turn !== rendering) return; // the user went elsewhere meanwhile
  chrome();
  replace(main, container);
  main.removeAttribute("aria-busy");
  const heading = container.querySelector("h1");
  document.title = heading ? `${heading.textContent} — ${t("chrome.brand")}` : t("chrome.brand");
  focus(target || heading);
}

onNavigate(render);
window.addEventListener("hashchange", render);
document.getElementById("skip-link").addEventListener("click", (event) => {
  event.preventDefault(); // "#main" would be taken for a route
  focus(document.getElementById("main"));
});
setLang(lang());
render();
