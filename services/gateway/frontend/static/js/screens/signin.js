// Sign-in: the user pastes their API key; GET /api/me says who they are.
import { get } from "../api.js";
import { append, h } from "../dom.js";
import { busy, field, showProblem } from "../forms.js";
import { t } from "../i18n.js";
import { session } from "../session.js";

export function signIn(container, { onSignedIn, error } = {}) {
  const form = h("form", { novalidate: true },
    field({ name: "key", label: t("signin.key"), type: "password", required: true, hint: t("signin.hint"), attrs: { autocomplete: "off", spellcheck: "false" } }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("signin.submit"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = form.elements.key.value.trim();
    if (!key) {
      showProblem(form, { status: 422, problem: { code: "key-missing", errors: { key: [t("signin.missing")] } } });
      return;
    }
    await busy(form, async () => {
      try {
        const me = await get("me", undefined, { key });
        session.signIn(key, me);
        onSignedIn();
      } catch (failure) {
        showProblem(form, failure);
      }
    });
  });
  append(container, h("h1", null, t("signin.title")), h("p", null, t("signin.intro")), form);
  if (error) showProblem(form, error);
  return error ? form.querySelector(".error-summary") : form.elements.key;
}
