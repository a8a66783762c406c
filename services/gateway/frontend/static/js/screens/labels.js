// Asset-tag labels to print (POST /api/inventory/labels, a PDF): for a donation's devices
// (a panel on its reception page) or for a selection — tags scanned or typed one per line,
// or the devices received since a day — on an A4 sheet of labels, from the first free
// position of a sheet already partly used.
import { announce, append, h, uid } from "../dom.js";
import * as download from "../download.js";
import { busy, field, radios, showProblem, values } from "../forms.js";
import { t } from "../i18n.js";

const FORMATS = { "a4-3x8": 24, "a4-3x7": 21 }; // labels per sheet (domain/labels.py)

function sheetFields() {
  const qr = uid("f-qr");
  return [
    field({
      name: "format", label: t("labels.format"), type: "select", value: "a4-3x8", required: true,
      options: Object.keys(FORMATS).map((name) => ({ value: name, label: t(`labels.format.${name}`) })),
    }),
    field({
      name: "start_position", label: t("labels.start"), type: "number", value: "1", required: true,
      hint: t("labels.startHint"), attrs: { min: 1, max: Math.max(...Object.values(FORMATS)), inputmode: "numeric" },
    }),
    h("div", { class: "field" },
      h("label", { class: "choice", for: qr }, h("input", { type: "checkbox", id: qr, name: "qr" }), t("labels.qr"))),
  ];
}

function sheetOf(form) {
  const { format, start_position: start, qr } = values(form);
  return { format, start_position: Number(start), qr };
}

/** The form's submit POSTs ``read()`` with the sheet's settings and saves the PDF. */
function printing(form, read) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await busy(form, async () => {
      try {
        await download.savePosted("inventory/labels", { ...read(), ...sheetOf(form) });
        announce(t("labels.ready"));
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

/** "Imprimer les étiquettes" for every device of ``donationId``. */
export function donationLabels(donationId) {
  const titleId = uid("labels");
  const form = h("form", { novalidate: true, "aria-labelledby": titleId },
    sheetFields(),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("labels.print"))));
  return h("section", { "aria-labelledby": titleId },
    h("h2", { id: titleId }, t("labels.title")),
    h("p", { class: "hint" }, t("labels.donationHint")),
    printing(form, () => ({ donation_id: donationId })));
}

/** The labels screen: a selection of devices, or those received since a day. */
export function labelsScreen(container) {
  const form = h("form", { novalidate: true, "aria-label": t("labels.title") },
    radios({
      name: "source", legend: t("labels.which"), value: "tags", required: true,
      options: [{ value: "tags", label: t("labels.byTags") }, { value: "since", label: t("labels.bySince") }],
    }),
    field({
      name: "asset_tags", label: t("labels.tags"), type: "textarea", hint: t("labels.tagsHint"),
      attrs: { rows: 6, spellcheck: "false", autocomplete: "off", class: "mono" },
    }),
    field({ name: "received_since", label: t("labels.since"), type: "date" }),
    sheetFields(),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("labels.print"))));
  append(container,
    h("h1", null, t("labels.title")),
    h("p", null, t("labels.intro")),
    printing(form, () => {
      const { source, asset_tags: tags, received_since: since } = values(form);
      if (source === "since") return { received_since: since || null };
      return { asset_tags: tags.split(/[\s,;]+/).filter(Boolean) };
    }));
}
