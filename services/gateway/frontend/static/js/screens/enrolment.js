// Counter: renew a person's enrolment, or close it (after a confirmation).
import { post } from "../api.js";
import { announce, focus, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { actionButton } from "./files.js";

const OPEN = new Set(["active", "renewed", "expired"]);

export function enrolmentSection(person, rerender) {
  const errors = h("div");
  const area = h("div", { class: "actions" });
  const act = (path, done) => async () => {
    await post(`sales/beneficiaries/${person.code}/${path}`, {});
    announce(t(done));
    await rerender();
  };
  const buttons = () => replace(area,
    actionButton(t("enrolment.renew"), act("renewal", "enrolment.renewed"), { errors }),
    actionButton(t("enrolment.close"), () => {
      replace(area,
        h("p", { id: "close-warning" }, t("enrolment.closeWarning")),
        actionButton(t("enrolment.confirmClose"), act("closure", "enrolment.closed"), { errors, className: "danger" }),
        h("button", { type: "button", class: "secondary", onclick: () => { buttons(); focus(area.querySelector("button")); } }, t("form.cancel")));
      focus(area.querySelector("button"));
    }, { className: "secondary" }));
  buttons();
  return h("section", { "aria-labelledby": "enrolment-title" },
    h("h2", { id: "enrolment-title" }, t("enrolment.title")),
    OPEN.has(person.state) ? [errors, area] : h("p", null, t("enrolment.ended")));
}
