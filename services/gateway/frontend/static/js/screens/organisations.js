// Admin: referring organisations — register one with its contact, approve it so its
// referrals count, or suspend it.
import { allPages, request } from "../api.js";
import { announce, append, focus, h, replace, table } from "../dom.js";
import { compact, field, values } from "../forms.js";
import { dateTime, stateName } from "../format.js";
import { t } from "../i18n.js";
import { actionButton, creates } from "./files.js";

const KINDS = ["ccas", "chrs", "association", "other"];

function createForm(done) {
  const form = h("form", { novalidate: true, "aria-labelledby": "organisation-new" },
    h("h2", { id: "organisation-new" }, t("organisation.new")),
    h("div", { class: "grid" },
      field({ name: "name", label: t("organisation.name"), required: true }),
      field({ name: "kind", label: t("organisation.kind"), type: "select", required: true, options: [{ value: "", label: t("form.choose") }, ...KINDS.map((value) => ({ value, label: stateName("organisationKind", value) }))] }),
      field({ name: "city", label: t("organisation.city") })),
    h("fieldset", null, h("legend", null, t("organisation.contact")),
      h("div", { class: "grid" },
        field({ name: "contacts.0.name", label: t("organisation.contactName") }),
        field({ name: "contacts.0.role", label: t("organisation.contactRole") }),
        field({ name: "contacts.0.email", label: t("organisation.contactEmail"), type: "email" }),
        field({ name: "contacts.0.phone", label: t("organisation.contactPhone"), type: "tel" }))),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("organisation.create"))));
  const read = () => {
    const given = values(form);
    const contact = compact(Object.fromEntries(Object.entries(given).filter(([name]) => name.startsWith("contacts.0.")).map(([name, value]) => [name.slice(11), value])));
    const body = compact({ name: given.name, kind: given.kind, city: given.city });
    if (Object.keys(contact).length) body.contacts = [contact];
    return body;
  };
  return creates(form, "sales/organisations", read, (created) => {
    announce(t("organisation.created", { name: created.name }));
    return done(created.id);
  });
}

function organisationsTable(organisations, errors, rerender) {
  const decide = (organisation, approved) => async () => {
    await request("PUT", `sales/organisations/${organisation.id}/approval`, { json: { approved } });
    announce(t(approved ? "organisation.approvedDone" : "organisation.suspendedDone", { name: organisation.name }));
    await rerender(organisation.id);
  };
  return table({
    caption: t("organisation.caption", { n: organisations.length }),
    head: [t("organisation.name"), t("organisation.kind"), t("organisation.city"), t("organisation.state"), t("organisation.actions")],
    rows: organisations.map((organisation) => [
      organisation.name,
      stateName("organisationKind", organisation.kind),
      organisation.city || "—",
      h("span", { class: `badge ${organisation.approved ? "ok" : "bad"}`, id: `state-${organisation.id}` },
        organisation.approved ? t("organisation.approved", { at: dateTime(organisation.approved_at) }) : t(organisation.approved_at ? "organisation.suspended" : "organisation.waiting")),
      organisation.approved
        ? actionButton(t("organisation.suspend", { name: organisation.name }), decide(organisation, false), { errors, className: "secondary" })
        : actionButton(t("organisation.approve", { name: organisation.name }), decide(organisation, true), { errors }),
    ]),
  });
}

export async function organisationsScreen(container) {
  const organisations = await allPages("sales/organisations", {}, 500);
  const errors = h("div");
  const rerender = async (id) => {
    replace(container);
    await organisationsScreen(container);
    focus(container.querySelector(`#state-${id}`) || container.querySelector("h1"));
  };
  append(container,
    h("h1", null, t("organisation.title")),
    h("p", null, t("organisation.intro")),
    errors,
    organisations.length ? organisationsTable(organisations, errors, rerender) : h("p", null, t("organisation.none")),
    createForm(rerender));
}
