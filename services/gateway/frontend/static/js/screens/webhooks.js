// Partner: webhooks — register an endpoint (its signing secret shown once), test it with a
// ping, see its recent deliveries and replay one, rotate the secret, re-enable an endpoint
// that was disabled (the reason is shown), remove it.
import { get, post, request } from "../api.js";
import { announce, append, focus, h, replace, table } from "../dom.js";
import { busy, compact, field, showProblem, values } from "../forms.js";
import { dateTime, number } from "../format.js";
import { t } from "../i18n.js";
import { actionButton, secretPanel } from "./files.js";

const RECENT = 10; // deliveries shown per endpoint

function createForm(catalogue, done) {
  const kinds = catalogue.kinds.filter((kind) => kind.name !== "webhook.test");
  const form = h("form", { novalidate: true, "aria-labelledby": "webhook-new" },
    h("h2", { id: "webhook-new" }, t("webhooks.new")),
    field({ name: "url", label: t("webhooks.url"), type: "url", required: true, hint: t("webhooks.urlHint"), attrs: { placeholder: "https://" } }),
    field({ name: "description", label: t("webhooks.description") }),
    h("fieldset", { class: "field", "data-name": "kinds" },
      h("legend", null, t("webhooks.kinds")),
      kinds.map((kind) => h("label", { class: "choice" },
        h("input", { type: "checkbox", name: "kinds", value: kind.name, checked: true }),
        ` ${t(`webhooks.kind.${kind.name}`)} `, h("span", { class: "hint-inline mono" }, `${kind.name} ${kind.version}`)))),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("webhooks.create"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = compact(values(form));
    body.kinds = [...form.querySelectorAll("input[name=kinds]:checked")].map((box) => box.value);
    await busy(form, async () => {
      try {
        done(await post("donations/webhooks", body), t("webhooks.createdSecret"));
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

function outcome(delivery) {
  if (delivery.state === "delivered") return t("webhooks.delivered", { status: delivery.last_status });
  if (!delivery.attempts) return t("webhooks.notYetSent");
  const why = delivery.last_status ? `${delivery.last_status}` : t(`webhooks.failure.${delivery.last_failure}`);
  return t(delivery.state === "failed" ? "webhooks.gaveUp" : "webhooks.failedOnce", { why });
}

function deliveriesTable(endpoint, deliveries, errors, rerender) {
  if (!deliveries.items.length) return h("p", null, t("webhooks.noDelivery"));
  return table({
    caption: t("webhooks.deliveriesCaption", { n: deliveries.items.length, total: deliveries.total }),
    head: [t("webhooks.when"), t("webhooks.kindHead"), t("webhooks.items"), t("webhooks.outcome"), t("webhooks.attempts"), t("webhooks.latency"), t("webhooks.nextRetry"), t("organisation.actions")],
    numeric: [2, 4, 5],
    rows: deliveries.items.map((delivery) => [
      dateTime(delivery.created_at),
      h("span", { class: "mono" }, delivery.kind),
      number(delivery.item_count),
      outcome(delivery),
      number(delivery.attempts),
      delivery.last_latency_ms == null ? "—" : t("webhooks.ms", { n: delivery.last_latency_ms }),
      delivery.next_attempt_at && delivery.state === "pending" ? dateTime(delivery.next_attempt_at) : "—",
      actionButton(t("webhooks.replay"), async () => {
        await post(`donations/webhooks/${endpoint.id}/deliveries/${delivery.id}/replay`, {});
        announce(t("webhooks.replayed"));
        await rerender();
      }, { errors, className: "secondary" }),
    ]),
  });
}

function endpointSection(endpoint, deliveries, errors, rerender) {
  const titleId = `webhook-${endpoint.id}`;
  const path = `donations/webhooks/${endpoint.id}`;
  const actions = h("div", { class: "actions" });
  const disabled = endpoint.state !== "active";
  append(actions,
    disabled
      ? actionButton(t("webhooks.enable"), async () => {
        await request("PATCH", path, { json: { enabled: true } });
        announce(t("webhooks.enabled"));
        await rerender();
      }, { errors })
      : actionButton(t("webhooks.ping"), async () => {
        await post(`${path}/ping`, {});
        announce(t("webhooks.pinged"));
        await rerender();
      }, { errors }),
    actionButton(t("webhooks.rotate"), async () => {
      const rotated = await post(`${path}/secret-rotation`, {});
      await rerender(rotated.secret, t("webhooks.rotatedSecret"));
    }, { errors, className: "secondary" }),
    h("button", {
      type: "button", class: "danger",
      onclick: () => {
        replace(actions,
          actionButton(t("webhooks.confirmDelete"), async () => {
            await request("DELETE", path);
            announce(t("webhooks.deleted"));
            await rerender();
          }, { errors, className: "danger" }),
          h("button", { type: "button", class: "secondary", onclick: () => rerender() }, t("form.cancel")));
        focus(actions.querySelector("button"));
      },
    }, t("webhooks.delete")));
  return h("section", { class: "webhook", "aria-labelledby": titleId },
    h("h2", { id: titleId, class: "mono" }, endpoint.url),
    disabled ? h("div", { class: "notice warn", role: "status" },
      h("p", null, h("strong", null, t("webhooks.disabled")), " ", endpoint.disabled_reason || "")) : null,
    h("p", null, endpoint.description || ""),
    h("p", null, t("webhooks.subscribed"), " ", endpoint.kinds.map((kind) => t(`webhooks.kind.${kind}`)).join(", ")),
    endpoint.previous_secret_until ? h("p", { class: "hint" }, t("webhooks.overlap", { until: dateTime(endpoint.previous_secret_until) })) : null,
    actions,
    h("h3", null, t("webhooks.recent")),
    deliveriesTable(endpoint, deliveries, errors, rerender));
}

export async function webhooksScreen(container, secret = null) {
  const [catalogue, endpoints] = await Promise.all([
    get("donations/webhooks/catalogue"),
    get("donations/webhooks", { page_size: 50 }),
  ]);
  const logs = await Promise.all(endpoints.items.map((endpoint) =>
    get(`donations/webhooks/${endpoint.id}/deliveries`, { page_size: RECENT })));
  const errors = h("div");
  const rerender = async (newSecret = null, heading = null) => {
    replace(container);
    await webhooksScreen(container, newSecret ? secretPanel(newSecret, heading) : null);
    focus(container.querySelector(".secret") || container.querySelector("h1"));
  };
  append(container,
    h("h1", null, t("webhooks.title")),
    h("p", null, t("webhooks.intro")),
    secret,
    errors,
    endpoints.items.length
      ? endpoints.items.map((endpoint, index) => endpointSection(endpoint, logs[index], errors, rerender))
      : h("p", null, t("webhooks.none")),
    createForm(catalogue, (created, heading) => rerender(created.secret, heading)));
  return secret;
}
