// Counter: find or enrol a referred person; their eligibility, budget and limits; the
// site's catalogue with solidarity and market prices; placing an order.
import { allPages, get, idempotency, post } from "../api.js";
import { announce, append, facts, focus, h, replace, table } from "../dom.js";
import { busy, clearErrors, compact, field, showProblem, values } from "../forms.js";
import { date, money, number, productName, stateName } from "../format.js";
import { t } from "../i18n.js";
import { session } from "../session.js";
import { go } from "../router.js";
import { enrolmentSection } from "./enrolment.js";

const CODE = /^B-[A-Z2-7]{16}$/i;
const SHOWN = 50; // the first matches; a longer name narrows the search

async function siteName() {
  const sites = await get("sales/sites");
  return sites.find((site) => site.site_id === session.me.site_id)?.name || "";
}

function peopleTable(people, total) {
  return table({
    caption: t("counter.found", { n: total }),
    head: [t("person.name"), t("person.code"), t("person.state"), t("person.ends")],
    rows: people.map((person) => [
      h("a", { href: `#/counter/person/${person.code}` }, person.display_name || person.code),
      h("span", { class: "mono" }, person.code),
      stateName("personState", person.state),
      date(person.ends_on),
    ]),
  });
}

function searchForm(results) {
  const form = h("form", { role: "search", novalidate: true, "aria-label": t("counter.find") },
    field({ name: "query", label: t("counter.query"), type: "search", required: true, hint: t("counter.queryHint"), attrs: { autocomplete: "off" } }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("counter.search"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = values(form).query;
    clearErrors(form);
    if (!query) {
      showProblem(form, { status: 422, problem: { code: "query-missing", errors: { query: [t("counter.queryMissing")] } } });
      return;
    }
    await busy(form, async () => {
      try {
        if (CODE.test(query)) {
          const person = await get(`sales/beneficiaries/${query.toUpperCase()}`);
          go(`counter/person/${person.code}`);
          return;
        }
        // A name goes in the body, never in a URL; the counter finds its own site's people.
        const found = await post("sales/beneficiaries/search", { name: query, page_size: SHOWN });
        replace(results,
          found.total ? peopleTable(found.items, found.total) : h("p", null, t("counter.noneFound")),
          found.total > found.items.length ? h("p", { class: "hint" }, t("counter.more", { shown: found.items.length })) : null);
        announce(t("counter.found", { n: found.total }));
      } catch (error) {
        showProblem(form, error, { fields: { name: "query" } });
      }
    });
  });
  return form;
}

function enrolForm(organisations) {
  const today = new Date().toISOString().slice(0, 10);
  const workers = h("div");
  const organisationField = field({
    name: "organisation_id", label: t("enrol.organisation"), type: "select", required: true,
    options: [{ value: "", label: t("form.choose") }, ...organisations.map((o) => ({ value: o.id, label: o.name }))],
  });
  const showWorkers = () => {
    const chosen = organisations.find((o) => o.id === organisationField.querySelector("select").value);
    replace(workers, field({
      name: "social_worker_id", label: t("enrol.worker"), type: "select",
      options: [{ value: "", label: t("form.choose") }, ...(chosen?.contacts || []).map((c) => ({ value: c.id, label: c.role ? `${c.name} (${c.role})` : c.name }))],
    }));
  };
  organisationField.querySelector("select").addEventListener("change", showWorkers);
  showWorkers();
  const form = h("form", { novalidate: true, "aria-labelledby": "enrol-title" },
    field({ name: "display_name", label: t("enrol.name"), required: true, hint: t("enrol.nameHint"), attrs: { autocomplete: "off" } }),
    field({ name: "contact", label: t("enrol.contact"), hint: t("enrol.contactHint"), attrs: { autocomplete: "off" } }),
    organisationField,
    workers,
    field({ name: "referred_on", label: t("enrol.referredOn"), type: "date", required: true, value: today }),
    field({ name: "referral_reason", label: t("enrol.reason"), type: "textarea", hint: t("enrol.reasonHint") }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("enrol.submit"))));
  const keyFor = idempotency();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = compact(values(form));
    await busy(form, async () => {
      try {
        const person = await post("sales/beneficiaries", body, { extraHeaders: keyFor(body) });
        announce(t("enrol.done", { code: person.code }));
        go(`counter/person/${person.code}`);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

export async function counterHome(container) {
  const [site, organisations] = await Promise.all([
    siteName(),
    allPages("sales/organisations", { approved: "true" }, 500),
  ]);
  const results = h("div", { "aria-live": "polite" });
  append(container, 
    h("h1", null, t("counter.title")),
    site ? h("p", null, t("counter.site", { site })) : null,
    h("section", { "aria-labelledby": "find-title" },
      h("h2", { id: "find-title" }, t("counter.find")),
      searchForm(results),
      results),
    h("section", { "aria-labelledby": "enrol-title" },
      h("h2", { id: "enrol-title" }, t("enrol.title")),
      organisations.length ? enrolForm(organisations) : h("p", { class: "notice warn" }, t("enrol.noOrganisation"))));
}

const ELIGIBLE = new Set(["active", "renewed"]);

function amount(rule, value) {
  return rule.measure === "cents" ? money(value) : number(value);
}

function ruleName(rule) {
  const name = t(`rule.${rule.rule}`);
  return name === `rule.${rule.rule}` ? rule.rule : name;
}

function allowanceSection(allowance) {
  const budget = allowance.find((rule) => rule.measure === "cents" && rule.window === "calendar_month");
  return h("section", { "aria-labelledby": "allowance-title" },
    h("h2", { id: "allowance-title" }, t("allowance.title")),
    budget ? h("p", { class: "notice", id: "budget" }, t("allowance.budget", { remaining: money(budget.remaining), maximum: money(budget.maximum) })) : null,
    table({
      caption: t("allowance.caption"),
      head: [t("allowance.rule"), t("allowance.used"), t("allowance.remaining"), t("allowance.maximum")],
      numeric: [1, 2, 3],
      rows: allowance.map((rule) => [ruleName(rule), amount(rule, rule.used), amount(rule, rule.remaining), amount(rule, rule.maximum)]),
    }));
}

function quantityName(item) {
  return `quantity:${item.product_key}`;
}

function catalogueForm(person, catalogue) {
  const items = catalogue.filter((item) => item.available > 0);
  const total = h("p", { class: "total", "aria-live": "polite" });
  const form = h("form", { novalidate: true, "aria-labelledby": "catalogue-title" });
  const chosen = () => items
    .map((item) => ({ item, quantity: Number(form.elements[quantityName(item)]?.value || 0) }))
    .filter((line) => line.quantity > 0);
  const update = () => {
    const lines = chosen();
    const price = (line, kind) => (line.item.price ? line.item.price[kind] * line.quantity : 0);
    const sum = (kind) => lines.reduce((all, line) => all + price(line, kind), 0);
    total.textContent = lines.length
      ? t("catalogue.total", { total: money(sum("solidarity_cents")), saving: money(sum("saving_cents")) })
      : t("catalogue.nothingChosen");
  };
  const rows = items.map((item) => {
    const name = productName(item.product_key, item.label);
    return [
      name,
      number(item.available),
      item.price ? money(item.price.solidarity_cents) : t("catalogue.noPrice"),
      item.price ? money(item.price.market_cents) : "—",
      h("span", null,
        h("label", { class: "visually-hidden", for: `qty-${item.product_key}` }, t("catalogue.quantityOf", { name })),
        h("input", {
          type: "number", id: `qty-${item.product_key}`, name: quantityName(item), min: 0, max: item.available,
          value: 0, inputmode: "numeric", disabled: !item.price, oninput: update,
        })),
    ];
  });
  append(form,
    table({
      caption: t("catalogue.caption"),
      head: [t("catalogue.product"), t("catalogue.available"), t("catalogue.solidarity"), t("catalogue.market"), t("catalogue.quantity")],
      numeric: [1, 2, 3],
      rows,
    }),
    total,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("catalogue.order"))));
  update();
  const keyFor = idempotency();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const lines = chosen();
    if (!lines.length) {
      showProblem(form, { status: 422, problem: { code: "empty-order" } });
      return;
    }
    const fields = Object.fromEntries(lines.map((line, index) => [`lines.${index}.quantity`, quantityName(line.item)]));
    const body = {
      beneficiary_code: person.code,
      lines: lines.map((line) => ({ product_key: line.item.product_key, quantity: line.quantity })),
    };
    await busy(form, async () => {
      try {
        const order = await post("sales/orders", body, { extraHeaders: keyFor(body) });
        go(`counter/order/${order.id}`);
      } catch (error) {
        showProblem(form, error, { fields });
      }
    });
  });
  if (!items.length) return h("p", { class: "notice warn" }, t("catalogue.empty"));
  return form;
}

export async function personScreen(container, code) {
  const [person, allowance, catalogue] = await Promise.all([
    get(`sales/beneficiaries/${code}`),
    get(`sales/beneficiaries/${code}/allowance`),
    get(`sales/sites/${session.me.site_id}/catalogue`),
  ]);
  const eligible = ELIGIBLE.has(person.state);
  append(container, 
    h("p", null, h("a", { href: "#/counter" }, t("counter.back"))),
    h("h1", null, person.display_name || person.code),
    facts([
      [t("person.code"), h("span", { class: "mono" }, person.code)],
      [t("person.state"), h("span", { class: `badge ${eligible ? "ok" : "bad"}`, id: "eligibility" }, stateName("personState", person.state))],
      [t("person.enrolment"), t("person.period", { from: date(person.starts_on), to: date(person.ends_on) })],
      [t("person.renewals"), number(person.renewals)],
      [t("person.contact"), person.contact],
    ]),
    eligible ? null : h("p", { class: "notice warn" }, t("person.notEligible")),
    enrolmentSection(person, async () => {
      replace(container);
      await personScreen(container, code);
      focus(container.querySelector("#eligibility"));
    }),
    allowanceSection(allowance),
    h("section", { "aria-labelledby": "catalogue-title" },
      h("h2", { id: "catalogue-title" }, t("catalogue.title")),
      catalogueForm(person, catalogue)));
}
