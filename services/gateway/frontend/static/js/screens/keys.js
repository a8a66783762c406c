// Admin: API keys — create one with its role and scope picked from lists, its secret shown
// once with a copy button; rotate (a new secret, shown once) or revoke (after confirming).
import { allPages, get, post, request } from "../api.js";
import { announce, append, focus, h, replace, table } from "../dom.js";
import { compact, field, values } from "../forms.js";
import { dateTime } from "../format.js";
import { t } from "../i18n.js";
import { actionButton, creates, secretPanel } from "./files.js";

const ROLES = ["counter", "workshop", "partner", "admin", "auditor"];

function createForm(sites, partners, done) {
  const scope = h("div");
  const roleField = field({ name: "role", label: t("keys.role"), type: "select", required: true, options: [{ value: "", label: t("form.choose") }, ...ROLES.map((value) => ({ value, label: t(`role.${value}`) }))] });
  const role = roleField.querySelector("select");
  const showScope = () => replace(scope,
    role.value === "counter" ? field({ name: "site_id", label: t("keys.site"), type: "select", required: true, options: [{ value: "", label: t("form.choose") }, ...sites.filter((s) => s.kind === "counter" && s.open).map((s) => ({ value: s.id, label: `${s.name} (${s.city})` }))] }) : null,
    role.value === "partner" ? field({ name: "partner_id", label: t("keys.partner"), type: "select", required: true, options: [{ value: "", label: t("form.choose") }, ...partners.filter((p) => p.active).map((p) => ({ value: p.id, label: p.name }))] }) : null);
  role.addEventListener("change", showScope);
  const form = h("form", { novalidate: true, "aria-labelledby": "key-new" },
    h("h2", { id: "key-new" }, t("keys.new")),
    h("div", { class: "grid" }, field({ name: "name", label: t("keys.name"), required: true, hint: t("keys.nameHint") }), roleField),
    scope,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("keys.create"))));
  return creates(form, "keys", () => compact(values(form)), (created) => done(created, t("keys.createdSecret", { name: created.name })));
}

function scopeOf(key, sites, partners) {
  if (key.site_id) return sites.find((s) => s.id === key.site_id)?.name || key.site_id;
  if (key.partner_id) return partners.find((p) => p.id === key.partner_id)?.name || key.partner_id;
  return "—";
}

export async function keysScreen(container, secret = null) {
  const [keys, sites, partners] = await Promise.all([
    get("keys", { include_revoked: "true" }),
    get("inventory/sites"),
    allPages("donations/partners", {}, 500),
  ]);
  const errors = h("div");
  const rerender = async (key, heading) => {
    replace(container);
    await keysScreen(container, key?.key ? secretPanel(key.key, heading) : null);
    focus(container.querySelector(".secret") || container.querySelector("h1"));
  };
  const rotate = (key) => async () => {
    const rotated = await post(`keys/${key.id}/rotation`, {});
    announce(t("keys.rotated", { name: key.name }));
    await rerender(rotated, t("keys.rotatedSecret", { name: key.name }));
  };
  const revoke = (key, cell) => () => {
    replace(cell,
      actionButton(t("keys.confirmRevoke", { name: key.name }), async () => {
        await request("DELETE", `keys/${key.id}`);
        announce(t("keys.revoked", { name: key.name }));
        await rerender(null);
      }, { errors, className: "danger" }),
      h("button", { type: "button", class: "secondary", onclick: () => rerender(null) }, t("form.cancel")));
    focus(cell.querySelector("button"));
  };
  const actions = (key) => {
    const cell = h("div", { class: "actions" });
    if (!key.revoked_at) {
      replace(cell,
        actionButton(t("keys.rotate", { name: key.name }), rotate(key), { errors, className: "secondary" }),
        h("button", { type: "button", class: "danger", onclick: revoke(key, cell) }, t("keys.revoke", { name: key.name })));
    }
    return key.revoked_at ? t("keys.revokedAt", { at: dateTime(key.revoked_at) }) : cell;
  };
  append(container,
    h("h1", null, t("keys.title")),
    secret,
    errors,
    table({
      caption: t("keys.caption", { n: keys.items.length }),
      head: [t("keys.name"), t("keys.role"), t("keys.scope"), t("keys.hint"), t("keys.created"), t("organisation.actions")],
      rows: keys.items.map((key) => [key.name, t(`role.${key.role}`), scopeOf(key, sites, partners), h("span", { class: "mono" }, key.hint), dateTime(key.rotated_at || key.created_at), actions(key)]),
    }),
    createForm(sites, partners, rerender));
  return secret;
}
