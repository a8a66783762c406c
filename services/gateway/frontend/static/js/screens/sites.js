// Admin: the sites — open a workshop or a counter, close one or open it again.
import { get, request } from "../api.js";
import { announce, append, focus, h, replace, table } from "../dom.js";
import { compact, field, values } from "../forms.js";
import { dateTime, stateName } from "../format.js";
import { t } from "../i18n.js";
import { actionButton, creates } from "./files.js";

function createForm(done) {
  const form = h("form", { novalidate: true, "aria-labelledby": "site-new" },
    h("h2", { id: "site-new" }, t("site.new")),
    h("div", { class: "grid" },
      field({ name: "name", label: t("site.name"), required: true }),
      field({ name: "city", label: t("site.city"), required: true }),
      field({ name: "kind", label: t("site.kind"), type: "select", required: true, options: [{ value: "", label: t("form.choose") }, ...["counter", "workshop"].map((value) => ({ value, label: stateName("siteKind", value) }))] })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("site.create"))));
  return creates(form, "inventory/sites", () => compact(values(form)), (site) => {
    announce(t("site.created", { name: site.name }));
    return done(site.id);
  });
}

export async function sitesScreen(container) {
  const sites = await get("inventory/sites");
  const errors = h("div");
  const rerender = async (id) => {
    replace(container);
    await sitesScreen(container);
    focus(container.querySelector(`#site-${id}`) || container.querySelector("h1"));
  };
  const toggle = (site) => async () => {
    await request("PATCH", `inventory/sites/${site.id}`, { json: { open: !site.open } });
    announce(t(site.open ? "site.closedDone" : "site.reopenedDone", { name: site.name }));
    await rerender(site.id);
  };
  append(container,
    h("h1", null, t("site.title")),
    errors,
    table({
      caption: t("site.caption", { n: sites.length }),
      head: [t("site.name"), t("site.city"), t("site.kind"), t("site.state"), t("organisation.actions")],
      rows: sites.map((site) => [
        site.name,
        site.city,
        stateName("siteKind", site.kind),
        h("span", { class: `badge ${site.open ? "ok" : "bad"}`, id: `site-${site.id}` }, site.open ? t("site.open") : t("site.closed", { at: dateTime(site.closed_at) })),
        actionButton(t(site.open ? "site.close" : "site.reopen", { name: site.name }), toggle(site), { errors, className: "secondary" }),
      ]),
    }),
    createForm(rerender));
}
