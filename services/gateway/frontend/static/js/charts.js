// Small hand-written SVG charts. Each is an image with a title and a description for
// assistive technologies, and the same figures as a table just below.
import { h, svg, table, uid } from "./dom.js";
import { number } from "./format.js";
import { t } from "./i18n.js";

const WIDTH = 640;
const LABEL = 170;
const ROW = 30;

function dataTable(caption, head, rows, numeric = [1]) {
  return h("details", { class: "data" },
    h("summary", null, t("chart.data")),
    table({ caption, head, rows, numeric }));
}

/** Horizontal bars, one per row: [{label, value}]. */
export function barChart({ title, description, rows, format = number, valueLabel = t("chart.value") }) {
  const titleId = uid("chart-title");
  const descId = uid("chart-desc");
  const max = Math.max(1, ...rows.map((row) => row.value));
  const span = WIDTH - LABEL - 90;
  const height = Math.max(1, rows.length) * ROW + 8;
  const bars = rows.map((row, index) => {
    const y = index * ROW + 4;
    const width = Math.max(row.value > 0 ? 2 : 0, (row.value / max) * span);
    return svg("g", null,
      svg("text", { x: LABEL - 8, y: y + 17, "text-anchor": "end", class: "chart-text" }, row.label),
      svg("rect", { x: LABEL, y, width: span, height: ROW - 8, class: "chart-track" }),
      svg("rect", { x: LABEL, y, width, height: ROW - 8, class: "chart-bar" }),
      svg("text", { x: LABEL + span + 8, y: y + 17, class: "chart-text" }, format(row.value)));
  });
  const image = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-labelledby": `${titleId} ${descId}`, focusable: "false",
  },
  svg("title", { id: titleId }, title),
  svg("desc", { id: descId }, description || rows.map((row) => `${row.label}: ${format(row.value)}`).join(", ")),
  rows.length ? bars : svg("text", { x: 0, y: 20, class: "chart-text" }, t("chart.empty")));
  return h("figure", { class: "chart" },
    h("figcaption", { "aria-hidden": "true" }, title),
    image,
    dataTable(title, [t("chart.label"), valueLabel], rows.map((row) => [row.label, format(row.value)])));
}

/**
 * Columns over time, one per series side by side in each period:
 * rows [{label, short, values: [a, b]}] (short: the label under the columns),
 * series [{name, className}] in the order of the values.
 */
export function columnChart({ title, rows, series, headLabel = t("chart.label"), format = number }) {
  const titleId = uid("chart-title");
  const descId = uid("chart-desc");
  const height = 180;
  const top = 20;
  const base = height - 24;
  const max = Math.max(1, ...rows.flatMap((row) => row.values));
  const slot = WIDTH / Math.max(1, rows.length);
  const width = Math.max(2, Math.min(22, (slot - 8) / series.length));
  const columns = rows.map((row, index) => {
    const left = index * slot + (slot - width * series.length) / 2;
    return svg("g", null,
      row.values.map((value, s) => {
        const tall = value > 0 ? Math.max(2, (value / max) * (base - top)) : 0;
        return svg("rect", { x: left + s * width, y: base - tall, width: width - 1, height: tall, class: series[s].className });
      }),
      svg("text", { x: index * slot + slot / 2, y: height - 6, "text-anchor": "middle", class: "chart-text" }, row.short || row.label));
  });
  const describe = (row) => `${row.label}: ${series.map((one, s) => `${one.name} ${format(row.values[s])}`).join(", ")}`;
  const image = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-labelledby": `${titleId} ${descId}`, focusable: "false",
  },
  svg("title", { id: titleId }, title),
  svg("desc", { id: descId }, rows.map(describe).join("; ")),
  svg("text", { x: 0, y: 12, class: "chart-text" }, t("chart.max", { value: format(max) })),
  svg("line", { x1: 0, x2: WIDTH, y1: base + 0.5, y2: base + 0.5, class: "chart-axis" }),
  columns);
  return h("figure", { class: "chart" },
    h("figcaption", { "aria-hidden": "true" }, title),
    h("ul", { class: "legend", "aria-hidden": "true" }, series.map((one) =>
      h("li", null, h("span", { class: `swatch ${one.className}` }), one.name))),
    image,
    dataTable(title, [headLabel, ...series.map((one) => one.name)],
      rows.map((row) => [row.label, ...row.values.map(format)]),
      series.map((_, s) => s + 1)));
}

/** Progress toward a target, e.g. people helped against 100,000. */
export function progressChart({ title, value, target }) {
  const titleId = uid("chart-title");
  const descId = uid("chart-desc");
  const share = target > 0 ? Math.min(1, value / target) : 0;
  const percent = new Intl.NumberFormat(document.documentElement.lang, { style: "percent", maximumFractionDigits: 3 }).format(share);
  const text = t("chart.progress", { value: number(value), target: number(target), percent });
  return h("figure", { class: "chart" },
    h("figcaption", { "aria-hidden": "true" }, title),
    svg("svg", { viewBox: `0 0 ${WIDTH} 56`, role: "img", "aria-labelledby": `${titleId} ${descId}`, focusable: "false" },
      svg("title", { id: titleId }, title),
      svg("desc", { id: descId }, text),
      svg("rect", { x: 0, y: 4, width: WIDTH, height: 26, rx: 4, class: "chart-track" }),
      svg("rect", { x: 0, y: 4, width: Math.max(share > 0 ? 3 : 0, share * WIDTH), height: 26, rx: 4, class: "chart-bar" }),
      svg("text", { x: 0, y: 50, class: "chart-text" }, text)));
}
