// Shared pieces of the daily screens: a form that creates something, a receipt's print and
// download buttons, a button whose action's error shows beside it, and a secret shown once
// with a copy button.
import { idempotency, post } from "../api.js";
import { announce, focus, h, replace, uid } from "../dom.js";
import * as download from "../download.js";
import { busy, problemBox, showProblem } from "../forms.js";
import { t } from "../i18n.js";

/** On submit, POST ``read()`` to ``path`` once (an Idempotency-Key per body); ``done`` gets
 * what was created, a problem shows on the form. */
export function creates(form, path, read, done) {
  const keyFor = idempotency();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = read();
    await busy(form, async () => {
      try {
        await done(await post(path, body, { extraHeaders: keyFor(body) }));
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

/** Run ``action`` on click; its problem shows in ``errors`` and takes the focus. */
export function actionButton(label, action, { errors, className } = {}) {
  const button = h("button", { type: "button", class: className });
  button.textContent = label;
  button.addEventListener("click", async () => {
    if (errors) replace(errors);
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      if (!errors) throw error;
      replace(errors, problemBox(error));
      focus(errors.firstChild);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** The receipt at ``path`` (a PDF behind the key): print it, or save it. */
export function receiptButtons(path, title, { level = "h2", names = {} } = {}) {
  const errors = h("div");
  const titleId = uid("receipt");
  return h("section", { "aria-labelledby": titleId },
    h(level, { id: titleId }, title),
    errors,
    h("div", { class: "actions" },
      actionButton(names.print || t("order.printReceipt"), () => download.open(path), { errors }),
      actionButton(names.save || t("order.downloadReceipt"), () => download.save(path), { errors, className: "secondary" })));
}

async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    input.select(); // no clipboard permission: select it for Ctrl+C
    document.execCommand("copy");
  }
}

/** A secret shown once: read only, selected, with a copy button. */
export function secretPanel(secret, heading) {
  const id = uid("secret");
  const input = h("input", { id, type: "text", readonly: true, value: secret, class: "mono", spellcheck: "false", "aria-describedby": `${id}-hint` });
  const status = h("p", { class: "hint", "aria-live": "polite" });
  return h("div", { class: "notice warn secret", tabindex: "-1" },
    h("h3", null, heading),
    h("p", { id: `${id}-hint` }, t("keys.onceShown")),
    h("div", { class: "field" }, h("label", { for: id }, t("keys.secret")), input),
    h("div", { class: "actions" }, h("button", {
      type: "button",
      onclick: async () => {
        await copy(secret, input);
        status.textContent = t("keys.copied");
        announce(t("keys.copied"));
      },
    }, t("keys.copy"))),
    status);
}
