// Small DOM helpers: build elements from data, never from HTML strings (no injection).

const SVG_NS = "http://www.w3.org/2000/svg";

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "value" && "value" in element && !(element instanceof SVGElement)) {
      element.value = value;
      element.setAttribute("value", value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, ...children);
  return element;
}

/** Append children (nodes, text, arrays of them); null, undefined and false are skipped. */
export function append(parent, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/** An HTML element: h("p", {class: "hint"}, "text", otherNode). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, ...children);
}

let counter = 0;
export function uid(prefix = "id") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Tell screen-reader users what just happened, without moving their focus. */
export function announce(message) {
  const status = document.getElementById("status");
  status.textContent = "";
  window.setTimeout(() => { status.textContent = message; }, 50);
}

export function focus(element) {
  if (!element) return;
  if (!element.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) {
    element.setAttribute("tabindex", "-1");
  }
  element.focus();
}

export function table({ caption, head, rows, numeric = [], className }) {
  return h("div", { class: "table-wrap" },
    h("table", { class: className },
      caption ? h("caption", null, caption) : null,
      h("thead", null, h("tr", null, head.map((label, i) =>
        h("th", { scope: "col", class: numeric.includes(i) ? "num" : null }, label)))),
      h("tbody", null, rows.map((row) => h("tr", null, row.map((cell, i) =>
        i === 0 && !numeric.includes(0)
          ? h("th", { scope: "row" }, cell)
          : h("td", { class: numeric.includes(i) ? "num" : null }, cell)))))));
}

export function facts(pairs) {
  return h("dl", { class: "facts" },
    pairs.filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
}
