// Small DOM helpers. One rule throughout the page: text from the server or the user reaches the DOM
// only through textContent / createElement, never as HTML.

import { richLines } from "./text.js";

const SVG_NS = "http://www.w3.org/2000/svg";

export const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// **bold** and line breaks, built from nodes.
export function renderRich(target, text) {
  target.replaceChildren();
  richLines(text).forEach((parts, index) => {
    if (index) target.append(document.createElement("br"));
    for (const part of parts) target.append(part.bold ? el("strong", "", part.text) : document.createTextNode(part.text));
  });
}

export function fillList(list, items, emptyText) {
  list.replaceChildren(...(items.length ? items : [emptyText]).map((item) => el("li", "", item)));
}
