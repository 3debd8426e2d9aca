// The open modal: drawn from the view, its inputs read on submit, and what the person typed
// kept as a draft while the bot replaces the view.

import { renderBlocks } from "./blocks.js";
import { plainOf } from "./mrkdwn.js";
import { $, S, el, post } from "./state.js";

function readInputs() {
  const values = {};
  const missing = [];
  for (const [id, input] of S.inputs) {
    const value = input.read();
    const empty = value === null || value === "" || (Array.isArray(value) && value.length === 0);
    if (empty && !input.block.optional) missing.push(id);
    values[id] = { [input.block.element.action_id]: value };
  }
  return { values, missing };
}

function saveDrafts(viewId) {
  const drafts = {};
  for (const [id, input] of S.inputs) drafts[id] = input.read();
  S.drafts[viewId] = drafts;
}

export function renderModal() {
  const modal = S.data.modal;
  const layer = $("#modal-layer");
  const key = modal ? `${S.user}:${modal.id}:${modal.hash}:${JSON.stringify(modal.errors)}` : null;
  if (key === S.modalKey) return;
  if (S.modalKey && modal && S.modalKey.split(":")[1] === modal.id) saveDrafts(modal.id);
  S.modalKey = key;
  S.inputs = new Map();
  if (!modal) {
    layer.hidden = true;
    layer.replaceChildren();
    return;
  }
  const ctx = { kind: "view", viewId: modal.id, errors: modal.errors };
  const close = () => post("close", { view_id: modal.id });
  const form = el("form", { class: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": "modal-title", "data-view-id": modal.id, "data-callback-id": modal.callback_id || null },
    el("header", {}, el("h2", { id: "modal-title" }, plainOf(modal.title)),
      el("button", { type: "button", class: "close-x", "aria-label": "Close", onclick: close }, "×")),
    el("div", { class: "modal-body" }, renderBlocks(modal.blocks || [], ctx)),
    el("footer", {},
      el("button", { type: "button", class: "btn", onclick: close }, plainOf(modal.close) || "Cancel"),
      modal.submit ? el("button", { type: "submit", class: "btn primary" }, plainOf(modal.submit)) : null));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { values, missing } = readInputs();
    for (const node of form.querySelectorAll(".input-error")) node.textContent = "";
    if (missing.length) {
      for (const id of missing) {
        const box = form.querySelector(`.b-input[data-block-id="${CSS.escape(id)}"] .input-error`);
        if (box) box.textContent = "Please complete this required field.";
      }
      return;
    }
    saveDrafts(modal.id);
    await post("submit", { view_id: modal.id, values });
  });
  layer.replaceChildren(form);
  layer.hidden = false;
  const first = form.querySelector("input, select, textarea");
  if (first) first.focus();
}
