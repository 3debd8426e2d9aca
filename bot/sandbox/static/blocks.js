// Block Kit drawn as the Slack client draws it: blocks, their interactive elements (each
// choice reaches the bot at once, or inside a form when it is submitted), and confirm
// dialogs.
// Every text from the workspace reaches the DOM through textContent / text nodes: message
// text and alert text are never parsed as HTML.

import { emoji, plainOf, special, textObject } from "./mrkdwn.js";
import { fromWallClock, people, wallClock } from "./people.js";
import { $, S, el, post, safeUrl } from "./state.js";

export function renderBlocks(blocks, ctx) {
  return el("div", { class: "blocks" }, blocks.map((block) => renderBlock(block, ctx)));
}

function renderBlock(block, ctx) {
  const id = block.block_id || null;
  switch (block.type) {
    case "header":
      return el("h3", { class: "b-header", "data-block-id": id }, textObject(block.text));
    case "section": {
      const main = el("div", { class: "b-section-main" }, textObject(block.text));
      if (block.fields) {
        main.append(el("div", { class: "b-fields" },
          block.fields.map((field) => el("div", { class: "b-field" }, textObject(field)))));
      }
      return el("div", { class: "b-section", "data-block-id": id }, main,
        block.accessory ? el("div", { class: "b-accessory" }, element(block.accessory, id, ctx)) : null);
    }
    case "context":
      return el("div", { class: "b-context", "data-block-id": id }, (block.elements || []).map((item) => (
        item.type === "image" ? image(item.image_url, item.alt_text) : textObject(item))));
    case "divider":
      return el("hr", { class: "b-divider" });
    case "actions":
      return el("div", { class: "b-actions", "data-block-id": id },
        (block.elements || []).map((item) => element(item, id, ctx)));
    case "image":
      return el("figure", { class: "b-image", "data-block-id": id },
        image(block.image_url, block.alt_text),
        block.title ? el("figcaption", {}, textObject(block.title)) : null);
    case "input":
      return inputBlock(block, ctx);
    case "rich_text":
      return el("div", { class: "mrkdwn" }, richText(block.elements || []));
    default:
      return el("div", { class: "b-context", text: `[${block.type} block]` });
  }
}

function image(url, alt) {
  const src = safeUrl(url || "");
  return src ? el("img", { src, alt: alt || "", loading: "lazy" }) : el("span", { text: alt || "" });
}

function richText(elements) {
  const out = [];
  for (const item of elements) {
    if (item.type === "text") out.push(item.text);
    else if (item.type === "link") out.push(special(`${item.url}|${item.text || item.url}`));
    else if (item.type === "user") out.push(special(`@${item.user_id}`));
    else if (item.type === "channel") out.push(special(`#${item.channel_id}`));
    else if (item.type === "emoji") out.push(emoji(item.name));
    else if (item.elements) out.push(...richText(item.elements), item.type === "rich_text_section" ? "" : "\n");
  }
  return out;
}

function options(item) {
  const found = [...(item.options || [])];
  for (const group of item.option_groups || []) found.push(...(group.options || []));
  return found;
}

function act(ctx, item, blockId, value) {
  const common = { action_id: item.action_id, block_id: blockId, value };
  if (ctx.kind === "view") return post("view_action", { view_id: ctx.viewId, ...common });
  return post("action", { channel: ctx.channel, ts: ctx.ts, ...common });
}

// An interactive element. Inside an input block it only holds a value until the form is
// submitted (unless it dispatches actions); elsewhere each choice reaches the bot at once.
function element(item, blockId, ctx, input) {
  const live = !input || input.dispatch;
  const send = (value) => (live ? act(ctx, item, blockId, value) : null);
  const draft = input ? input.draft : undefined;
  const attrs = { class: "el", "data-action-id": item.action_id || null, "aria-label": input ? input.label : plainOf(item.placeholder) || null };
  switch (item.type) {
    case "button": {
      return el("button", {
        type: "button", class: `btn ${item.style || ""}`, "data-action-id": item.action_id,
        onclick: async () => {
          if (item.url && safeUrl(item.url)) window.open(safeUrl(item.url), "_blank", "noopener");
          if (item.confirm && !(await confirmDialog(item.confirm))) return;
          send(item.value === undefined ? null : item.value);
        },
      }, plainOf(item.text));
    }
    case "static_select": case "external_select": case "multi_static_select": {
      const many = item.type.startsWith("multi_");
      const chosen = draft !== undefined ? [].concat(draft || []) : (many
        ? (item.initial_options || []).map((o) => o.value)
        : item.initial_option ? [item.initial_option.value] : []);
      const select = el("select", { ...attrs, multiple: many },
        many ? null : el("option", { value: "", disabled: true, selected: chosen.length === 0 }, plainOf(item.placeholder) || "Choose…"),
        options(item).map((o) => el("option", { value: o.value, selected: chosen.includes(o.value) }, plainOf(o.text))));
      select.addEventListener("change", () => send(select.value));
      if (input) input.read = () => (many ? [...select.selectedOptions].map((o) => o.value) : select.value || null);
      return select;
    }
    case "users_select": case "multi_users_select": {
      const many = item.type.startsWith("multi_");
      const chosen = [].concat(draft !== undefined ? draft || [] : item.initial_user || item.initial_users || []);
      const select = el("select", { ...attrs, multiple: many },
        many ? null : el("option", { value: "", disabled: true, selected: chosen.length === 0 }, plainOf(item.placeholder) || "Choose a person"),
        [...people().values()].filter((u) => !u.is_bot).map((u) => el("option", { value: u.id, selected: chosen.includes(u.id) }, `${u.real_name || u.name} (@${u.name})`)));
      select.addEventListener("change", () => send(select.value));
      if (input) input.read = () => (many ? [...select.selectedOptions].map((o) => o.value) : select.value || null);
      return select;
    }
    case "conversations_select": case "channels_select": {
      const initial = draft !== undefined ? draft : item.initial_conversation || item.initial_channel;
      const select = el("select", attrs, el("option", { value: "", disabled: true, selected: !initial }, "Choose a channel"),
        (S.data.channels || []).filter((c) => !c.is_im).map((c) => el("option", { value: c.id, selected: c.id === initial }, `#${c.name}`)));
      select.addEventListener("change", () => send(select.value));
      if (input) input.read = () => select.value || null;
      return select;
    }
    case "overflow": {
      const menu = el("div", { class: "overflow-menu", hidden: true },
        options(item).map((o) => el("button", { type: "button", onclick: () => { menu.hidden = true; send(o.value); } }, plainOf(o.text))));
      const toggle = el("button", { type: "button", class: "btn", "data-action-id": item.action_id, "aria-label": "More actions", onclick: () => { menu.hidden = !menu.hidden; } }, "⋯");
      return el("span", { class: "overflow" }, toggle, menu);
    }
    case "datepicker": case "timepicker": {
      const field = el("input", { ...attrs, type: item.type === "datepicker" ? "date" : "time",
        value: draft !== undefined ? draft : item.initial_date || item.initial_time || "" });
      field.addEventListener("change", () => send(field.value));
      if (input) input.read = () => field.value || null;
      return field;
    }
    case "datetimepicker": {
      // Slack sends and takes a datetimepicker's value as epoch seconds (an int), shown
      // in the person's own time zone; the browser's field speaks wall-clock text.
      const toLocal = (epoch) => (epoch === null || epoch === undefined || epoch === "" ? "" : wallClock(Number(epoch) * 1000));
      const toEpoch = (text) => (text ? fromWallClock(text) : null);
      const field = el("input", { ...attrs, type: "datetime-local",
        value: toLocal(draft !== undefined ? draft : item.initial_date_time) });
      field.addEventListener("change", () => send(toEpoch(field.value)));
      if (input) input.read = () => toEpoch(field.value);
      return field;
    }
    case "radio_buttons": case "checkboxes": {
      const many = item.type === "checkboxes";
      const name = `${blockId}-${item.action_id}`;
      const chosen = [].concat(draft !== undefined ? draft || [] : many
        ? (item.initial_options || []).map((o) => o.value)
        : item.initial_option ? [item.initial_option.value] : []);
      const boxes = options(item).map((o) => {
        const box = el("input", { type: many ? "checkbox" : "radio", name, value: o.value, checked: chosen.includes(o.value) });
        box.addEventListener("change", () => {
          if (!many) send(box.value);
          else send(boxes.map((b) => b.querySelector("input")).filter((b) => b.checked).map((b) => b.value));
        });
        return el("label", { class: "choice" }, box, el("span", {}, textObject(o.text), o.description ? el("small", {}, " ", plainOf(o.description)) : null));
      });
      if (input) {
        input.read = () => {
          const picked = boxes.map((b) => b.querySelector("input")).filter((b) => b.checked).map((b) => b.value);
          return many ? picked : picked[0] || null;
        };
      }
      return el("div", { class: "choices", role: many ? "group" : "radiogroup" }, boxes);
    }
    case "plain_text_input": case "email_text_input": case "url_text_input": case "number_input": {
      const multiline = item.multiline;
      const field = el(multiline ? "textarea" : "input", { ...attrs, maxlength: item.max_length || null,
        placeholder: plainOf(item.placeholder) || null,
        type: multiline ? null : { email_text_input: "email", url_text_input: "url", number_input: "number" }[item.type] || "text" });
      if (item.type === "number_input") {
        // Slack's number input takes decimals only when is_decimal_allowed; min/max bound it.
        field.step = item.is_decimal_allowed ? "any" : "1";
        if (item.min_value !== undefined) field.min = item.min_value;
        if (item.max_value !== undefined) field.max = item.max_value;
        field.inputMode = item.is_decimal_allowed ? "decimal" : "numeric";
      }
      field.value = draft !== undefined ? draft || "" : item.initial_value || "";
      if (input) input.read = () => field.value;
      return field;
    }
    case "image":
      return image(item.image_url, item.alt_text);
    default:
      return el("span", { class: "b-context", text: `[${item.type}]` });
  }
}

function inputBlock(block, ctx) {
  const id = block.block_id;
  const drafts = S.drafts[ctx.viewId] || {};
  const input = { block, label: plainOf(block.label), dispatch: block.dispatch_action, draft: drafts[id], read: () => null };
  S.inputs.set(id, input);
  const error = (ctx.errors || {})[id];
  return el("div", { class: "b-input", "data-block-id": id },
    el("label", {}, plainOf(block.label), block.optional ? el("span", { class: "optional" }, " (optional)") : null),
    element(block.element, id, ctx, input),
    block.hint ? el("div", { class: "input-hint" }, plainOf(block.hint)) : null,
    el("div", { class: "input-error", role: "alert", text: error || "" }));
}

function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const layer = $("#confirm-layer");
    const done = (answer) => {
      layer.hidden = true;
      layer.replaceChildren();
      resolve(answer);
    };
    layer.replaceChildren(el("div", { class: "confirm", role: "alertdialog", "aria-modal": "true" },
      el("h2", {}, plainOf(confirm.title) || "Are you sure?"),
      textObject(confirm.text),
      el("div", { class: "row" },
        el("button", { type: "button", class: "btn", onclick: () => done(false) }, plainOf(confirm.deny) || "Cancel"),
        el("button", { type: "button", class: `btn ${confirm.style === "danger" ? "danger" : "primary"}`, onclick: () => done(true) }, plainOf(confirm.confirm) || "Yes"))));
    layer.hidden = false;
  });
}
