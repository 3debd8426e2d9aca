// The incidentbot sandbox page. No dependencies, no build step.
// Every text from the workspace reaches the DOM through textContent / text nodes: message
// text and alert text are never parsed as HTML.
"use strict";

(() => {
  const $ = (selector) => document.querySelector(selector);
  const store = window.localStorage;
  const S = {
    user: store.getItem("sandbox.user") || "U_ALICE",
    channel: store.getItem("sandbox.channel") || null,
    seen: JSON.parse(store.getItem("sandbox.seen") || "{}"),
    data: null,
    rendered: new Map(), // message ts → {sig, node}
    renderedChannel: null,
    modalKey: null,
    inputs: new Map(), // input block id → {block, read()}
    drafts: {}, // view id → {block id → value}
    busy: false,
    again: false,
    timer: null,
  };

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function toast(text, kind) {
    const node = el("div", { class: `toast ${kind || ""}`, role: "status", text });
    $("#toasts").append(node);
    setTimeout(() => node.remove(), kind === "error" ? 7000 : 4000);
  }

  function safeUrl(url) {
    try {
      const parsed = new URL(url); // absolute only: a relative "link" is just text
      return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ talking to the server

  async function post(path, body) {
    let data = {};
    let response;
    try {
      response = await fetch(`/sandbox/ui/${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: S.user, ...body }),
      });
      data = await response.json();
    } catch (e) {
      toast(`The sandbox did not answer: ${e}`, "error");
      return null;
    } finally {
      refreshSoon();
    }
    if (!response.ok || data.error) {
      toast(data.error || `HTTP ${response.status}`, "error");
      return null;
    }
    if (data.status && data.status >= 400) toast(`The bot answered HTTP ${data.status}`, "error");
    return data;
  }

  function refreshSoon(delay = 50) {
    if (S.timer) return;
    S.timer = setTimeout(() => {
      S.timer = null;
      refresh();
    }, delay);
  }

  async function refresh() {
    if (S.busy) {
      S.again = true;
      return;
    }
    S.busy = true;
    try {
      const query = new URLSearchParams({ user: S.user });
      if (S.channel) query.set("channel", S.channel);
      const response = await fetch(`/sandbox/ui/state?${query}`, { cache: "no-store" });
      S.data = await response.json();
      render();
      followNewChannel();
    } catch (e) {
      setLive(false);
    } finally {
      S.busy = false;
      if (S.again) {
        S.again = false;
        refreshSoon();
      }
    }
  }

  function setLive(on) {
    const live = $("#live");
    live.classList.toggle("off", !on);
    live.textContent = on ? "● live" : "● reconnecting…";
  }

  function listen() {
    const source = new EventSource("/sandbox/ui/events");
    source.onopen = () => {
      setLive(true);
      refreshSoon();
    };
    source.onmessage = () => refreshSoon();
    source.onerror = () => setLive(false);
  }

  // ------------------------------------------------------------------ people, time, emoji

  function people() {
    return new Map((S.data ? S.data.users : []).map((u) => [u.id, u]));
  }

  function me() {
    return people().get(S.user) || { tz: "UTC", name: S.user };
  }

  function nameOf(id) {
    const user = people().get(id);
    return user ? user.name : id;
  }

  function channelName(id) {
    const found = (S.data ? S.data.channels : []).find((c) => c.id === id);
    return found ? found.name : id;
  }

  function formatter(options) {
    return new Intl.DateTimeFormat("en-US", { timeZone: me().tz, ...options });
  }

  // "YYYY-MM-DDTHH:MM" in the person's time zone, and back to epoch seconds.
  function wallClock(ms) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: me().tz, hourCycle: "h23",
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
  }

  function fromWallClock(text) {
    const [date, time] = text.split("T");
    const [y, m, d] = date.split("-").map(Number);
    const [h, mi] = time.split(":").map(Number);
    const asUtc = Date.UTC(y, m - 1, d, h, mi);
    const offsetAt = (ms) => Date.parse(`${wallClock(ms)}:00Z`) - ms;
    let guess = asUtc - offsetAt(asUtc);
    guess = asUtc - offsetAt(guess);  // again, in case the guess crossed a DST change
    return Math.floor(guess / 1000);
  }

  function dayKey(date) {
    return new Intl.DateTimeFormat("en-CA", {
      timeZone: me().tz, year: "numeric", month: "2-digit", day: "2-digit",
    }).format(date);
  }

  function clock(date, seconds) {
    return formatter({ hour: "2-digit", minute: "2-digit", second: seconds ? "2-digit" : undefined,
      hourCycle: "h23" }).format(date);
  }

  // Slack's <!date^…> tokens, in the chosen person's time zone.
  function slackDate(date, format) {
    const pretty = (plain) => () => {
      const key = dayKey(date);
      const day = 864e5;
      if (key === dayKey(new Date())) return "Today";
      if (key === dayKey(new Date(Date.now() - day))) return "Yesterday";
      if (key === dayKey(new Date(Date.now() + day))) return "Tomorrow";
      return plain();
    };
    const parts = {
      date_num: () => dayKey(date),
      date: () => formatter({ month: "long", day: "numeric", year: "numeric" }).format(date),
      date_short: () => formatter({ month: "short", day: "numeric", year: "numeric" }).format(date),
      date_long: () => formatter({ weekday: "long", month: "long", day: "numeric",
        year: "numeric" }).format(date),
      time: () => clock(date, false),
      time_secs: () => clock(date, true),
      ago: () => {
        const minutes = Math.round((Date.now() - date.getTime()) / 60000);
        if (Math.abs(minutes) < 60) return `${Math.abs(minutes)} minutes ${minutes >= 0 ? "ago" : "from now"}`;
        const hours = Math.round(minutes / 60);
        return `${Math.abs(hours)} hours ${hours >= 0 ? "ago" : "from now"}`;
      },
    };
    parts.date_pretty = pretty(parts.date);
    parts.date_short_pretty = pretty(parts.date_short);
    parts.date_long_pretty = pretty(parts.date_long);
    return format.replace(/\{(\w+)\}/g, (all, key) => (parts[key] ? parts[key]() : all));
  }

  const EMOJI = {
    white_check_mark: "✅", rotating_light: "🚨", performing_arts: "🎭", pager: "📟",
    warning: "⚠️", tada: "🎉", zzz: "💤", x: "❌", white_large_square: "⬜", star: "⭐",
    speech_balloon: "💬", repeat: "🔁", page_facing_up: "📄", memo: "📝", loudspeaker: "📢",
    hammer_and_wrench: "🛠️", fire: "🔥", envelope: "✉️", clipboard: "📋",
    chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉", bulb: "💡",
    ballot_box_with_check: "☑️", arrow_double_up: "⏫", alarm_clock: "⏰", pushpin: "📌",
    eyes: "👀", thumbsup: "👍", "+1": "👍", heavy_check_mark: "✔️", red_circle: "🔴",
    large_orange_circle: "🟠", large_yellow_circle: "🟡", large_blue_circle: "🔵",
    incoming_envelope: "📨", mag: "🔍", construction: "🚧", stopwatch: "⏱️",
    bar_chart: "📊", grey_question: "❔", memory: "🧠", line: "〰️", scales: "⚖️",
    outbox_tray: "📤",
    lock: "🔒", leftwards_arrow_with_hook: "↩️",
  };

  function emoji(name) {
    return EMOJI[name] || `:${name}:`;
  }

  function withEmoji(text) {
    return text.replace(/:([a-z0-9_+-]+):/g, (all, name) => EMOJI[name] || all);
  }

  // ------------------------------------------------------------------ mrkdwn

  function decode(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  // One of Slack's <…> sequences: mention, channel, date, special mention or link.
  function special(inner) {
    const bar = inner.indexOf("|");
    const head = bar >= 0 ? inner.slice(0, bar) : inner;
    const label = bar >= 0 ? decode(inner.slice(bar + 1)) : null;
    if (head.startsWith("@")) {
      return el("span", { class: "mention", text: `@${nameOf(head.slice(1)) || label}` });
    }
    if (head.startsWith("#")) {
      return el("span", { class: "mention", text: `#${label || channelName(head.slice(1))}` });
    }
    if (head.startsWith("!date^")) {
      const [, seconds, format] = head.split("^");
      const date = new Date(Number(seconds) * 1000);
      if (Number.isNaN(date.getTime()) || !format) return document.createTextNode(label || "");
      return el("time", {
        class: "date", datetime: date.toISOString(),
        title: `${date.toISOString().replace(".000", "")} · shown in ${me().tz}`,
        text: slackDate(date, format),
      });
    }
    if (head.startsWith("!subteam^")) return el("span", { class: "mention", text: label || "@group" });
    if (head.startsWith("!")) return el("span", { class: "mention", text: `@${head.slice(1)}` });
    const url = safeUrl(decode(head));
    const text = label || decode(head);
    if (!url) return document.createTextNode(text);
    return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text });
  }

  const STYLE = new RegExp([
    "`([^`\\n]+)`",
    "(?<![\\w*])\\*(?!\\s)([^*\\n]+?)\\*(?![\\w*])",
    "(?<![\\w_])_(?!\\s)([^_\\n]+?)_(?![\\w_])",
    "(?<![\\w~])~(?!\\s)([^~\\n]+?)~(?![\\w~])",
  ].join("|"), "g");
  const HOLE = /\uE000(\d+)\uE001/g;

  function textWithHoles(text, holes, emoji = withEmoji) {
    const out = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(HOLE)) {
      if (match.index > last) out.append(emoji(decode(text.slice(last, match.index))));
      out.append(special(holes[Number(match[1])]));
      last = match.index + match[0].length;
    }
    if (last < text.length) out.append(emoji(decode(text.slice(last))));
    return out;
  }

  // ```…``` is a preformatted block in Slack: kept as typed, no bold, italics or emoji;
  // links and mentions still work.
  const FENCE = /```([\s\S]*?)```/g;

  function fenced(text, holes) {
    const out = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(FENCE)) {
      if (match.index > last) out.append(styled(text.slice(last, match.index), holes));
      out.append(el("pre", { class: "pre" }, textWithHoles(match[1].replace(/^\n|\n$/g, ""),
        holes, (plain) => plain)));
      last = match.index + match[0].length;
    }
    if (last < text.length) out.append(styled(text.slice(last), holes));
    return out;
  }

  function styled(text, holes) {
    const out = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(STYLE)) {
      if (match.index > last) out.append(textWithHoles(text.slice(last, match.index), holes));
      if (match[1] !== undefined) out.append(el("code", {}, textWithHoles(match[1], holes)));
      else if (match[2] !== undefined) out.append(el("strong", {}, styled(match[2], holes)));
      else if (match[3] !== undefined) out.append(el("em", {}, styled(match[3], holes)));
      else out.append(el("s", {}, styled(match[4], holes)));
      last = match.index + match[0].length;
    }
    if (last < text.length) out.append(textWithHoles(text.slice(last), holes));
    return out;
  }

  function mrkdwn(text) {
    const holes = [];
    // <…> sequences become placeholders first, so styling can span them without breaking them.
    const source = String(text || "").replace(/<([^<>\n]+)>/g, (all, inner) => {
      holes.push(inner);
      return `\uE000${holes.length - 1}\uE001`;
    });
    return el("span", { class: "mrkdwn" }, fenced(source, holes));
  }

  function textObject(object) {
    if (!object) return null;
    if (object.type === "mrkdwn") return mrkdwn(object.text);
    return el("span", { class: "plain" }, object.emoji === false ? object.text : withEmoji(object.text || ""));
  }

  function plainOf(object) {
    return object ? (object.emoji === false ? object.text : withEmoji(object.text || "")) : "";
  }

  // ------------------------------------------------------------------ Block Kit

  function renderBlocks(blocks, ctx) {
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

  // ------------------------------------------------------------------ confirm and modal

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

  function renderModal() {
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

  // ------------------------------------------------------------------ channels and messages

  function renderChrome() {
    const picker = $("#user-picker");
    const humans = S.data.users.filter((u) => !u.is_bot);
    if (picker.options.length !== humans.length) {
      picker.replaceChildren(...humans.map((u) => el("option", { value: u.id }, `${u.real_name || u.name} (@${u.name})`)));
    }
    picker.value = S.user;
    $("#user-tz").textContent = `${me().tz} · ${clock(new Date(), false)}`;
    const scenarioPicker = $("#scenario-picker");
    if (!scenarioPicker.options.length) {
      scenarioPicker.replaceChildren(...S.data.scenarios.map((s) => el("option", { value: s.key, title: s.title }, `${s.failure_mode} · ${s.system}`)));
    }
  }

  function renderSidebar() {
    const list = $("#channel-list");
    list.replaceChildren(...S.data.channels.map((c) => {
      const latest = Number(c.latest || 0);
      const unread = c.id !== S.channel && latest > Number(S.seen[c.id] || 0);
      const classes = [c.id === S.channel ? "active" : "", unread ? "unread" : "", /-drill(-|$)/.test(c.name) && !c.is_im ? "drill" : ""];
      const label = c.is_im ? `● ${c.label}` : `${c.is_private ? "🔒" : "#"} ${c.name}`;
      return el("li", {}, el("button", { type: "button", class: classes.join(" ").trim(), "data-channel-name": c.name, "data-channel-id": c.id, title: c.name, onclick: () => openChannel(c.id) }, label));
    }));
  }

  // After the person fires an alert or runs a command, a channel the bot opens for them
  // (an incident channel) becomes the open one, as Slack does when it adds you to one.
  function expectChannel() {
    S.expect = { known: new Set((S.data.channels || []).map((c) => c.id)), until: Date.now() + 10_000 };
  }

  function followNewChannel() {
    const expect = S.expect;
    if (!expect) return;
    if (Date.now() > expect.until) { S.expect = null; return; }
    const fresh = S.data.channels.find((c) => !expect.known.has(c.id) && !c.is_im && c.is_member);
    if (fresh) {
      S.expect = null;
      openChannel(fresh.id);
    }
  }

  function openChannel(id) {
    S.channel = id;
    store.setItem("sandbox.channel", id);
    refresh();
  }

  function renderHeader(channel) {
    const header = $("#channel-header");
    if (!channel) {
      header.replaceChildren(el("h1", { text: "No channel" }));
      return;
    }
    const member = channel.members.includes(S.user);
    // replaceChildren() writes a null child as the text "null": leave absent parts out.
    header.replaceChildren(...[
      el("h1", {}, channel.is_im ? "incidentbot" : `#${channel.name}`),
      channel.topic ? el("div", { class: "topic" }, mrkdwn(channel.topic)) : null,
      el("div", { class: "meta" }, `${channel.members.length} members`, member ? "" : " · you are not a member of this channel ",
        member || channel.is_im ? null : el("button", { type: "button", class: "btn primary join", onclick: () => post("join", { channel: channel.id }) }, "Join channel"),
        channel.bookmarks.length ? el("span", { class: "bookmarks" }, " · ", channel.bookmarks.map((b) => {
          const url = safeUrl(b.link);
          return url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, b.title) : el("span", { text: b.title });
        })) : null)].filter(Boolean));
  }

  function renderMessage(message, channel) {
    const bot = Boolean(message.bot_id) || message.ephemeral;
    const reply = message.thread_ts && message.thread_ts !== message.ts;
    const date = new Date(Number(message.ts) * 1000);
    const ctx = { kind: "message", channel, ts: message.ts };
    const body = message.blocks && message.blocks.length
      ? renderBlocks(message.blocks, ctx) : mrkdwn(message.text);
    const attachments = (message.attachments || []).map((a) => el("div", { class: "b-context" }, mrkdwn(a.text || a.fallback || "")));
    const files = (message.files || []).map(renderFile);
    const reactions = (message.reactions || []).map((r) => el("span", { class: "reaction", title: r.users.map(nameOf).join(", ") }, `${emoji(r.name)} ${r.count}`));
    return el("article", { class: `msg${message.ephemeral ? " ephemeral" : ""}${reply ? " reply" : ""}`, "data-ts": message.ts },
      el("div", { class: "msg-head" },
        el("span", { class: "author" }, bot ? "incidentbot" : nameOf(message.user)),
        bot ? el("span", { class: "badge", text: "APP" }) : null,
        el("time", { datetime: date.toISOString(), title: date.toISOString() }, clock(date, false)),
        message.pinned_to ? el("span", { class: "pinned", text: "📌 pinned" }) : null,
        message.edited ? el("span", { text: "(edited)" }) : null,
        message.ephemeral ? el("span", { text: "Only visible to you" }) : null),
      el("div", { class: "msg-body" }, body, attachments, files),
      reactions.length ? el("div", { class: "reactions" }, reactions) : null,
      message.ephemeral ? null : el("div", { class: "msg-tools" },
        el("button", { type: "button", title: "Add a 📌 reaction: copies the message into the incident timeline", "aria-label": "Add 📌 reaction",
          onclick: () => post("react", { channel, ts: message.ts, name: "pushpin" }) }, "📌"),
        (S.data.shortcuts || []).map((s) => el("button", { type: "button", class: "shortcut", "data-callback-id": s.callback_id,
          title: `Message shortcut: ${s.name}`, onclick: () => post("shortcut", { channel, ts: message.ts, callback_id: s.callback_id }) }, s.name))));
  }

  // Uploaded files as Slack's client shows them: images drawn, text (the review's Markdown,
  // a JSON report) inline as preformatted text, each with a download link.
  function renderFile(file) {
    const download = el("a", { class: "file-download", href: `${file.url}?download=1`, download: file.name }, `⬇ Download ${file.name}`);
    const shown = file.kind === "image"
      ? el("img", { class: "file-image", src: file.url, alt: file.alt, loading: "lazy" })
      : file.text !== null && file.text !== undefined ? el("pre", { class: "file-text", text: file.text }) : null;
    return el("figure", { class: `file file-${file.kind}`, "data-file-id": file.id },
      el("figcaption", {}, el("strong", { text: file.title }), " ", download), shown);
  }

  function renderMessages(channel) {
    const box = $("#messages");
    const switched = S.renderedChannel !== (channel ? channel.id : null);
    if (switched) {
      S.rendered = new Map();
      box.replaceChildren();
      S.renderedChannel = channel ? channel.id : null;
    }
    if (!channel) return;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const next = new Map();
    const nodes = channel.messages.map((message) => {
      const sig = `${S.user}|${me().tz}|${JSON.stringify(message)}`;
      const known = S.rendered.get(message.ts);
      const node = known && known.sig === sig ? known.node : renderMessage(message, channel.id);
      next.set(message.ts, { sig, node });
      return node;
    });
    if (!nodes.length) nodes.push(S.emptyNode || (S.emptyNode = el("div", { class: "empty", text: "No messages yet." })));
    // Move nodes into place without touching the ones that did not change (an open menu or
    // a focused control stays as it is).
    let cursor = box.firstChild;
    for (const node of nodes) {
      if (node === cursor) {
        cursor = cursor.nextSibling;
        continue;
      }
      box.insertBefore(node, cursor);
    }
    while (cursor) {
      const following = cursor.nextSibling;
      cursor.remove();
      cursor = following;
    }
    S.rendered = next;
    if (switched || atBottom) box.scrollTop = box.scrollHeight;
    const latest = channel.messages.length ? channel.messages[channel.messages.length - 1].ts : "0";
    S.seen[channel.id] = latest;
    store.setItem("sandbox.seen", JSON.stringify(S.seen));
  }

  function render() {
    const channels = S.data.channels;
    if (!S.channel || !channels.some((c) => c.id === S.channel)) {
      const general = channels.find((c) => c.name === "general") || channels[0];
      if (general && general.id !== S.channel) {
        S.channel = general.id;
        refreshSoon();
      }
    }
    renderChrome();
    renderSidebar();
    const channel = S.data.channel && S.data.channel.id === S.channel ? S.data.channel : null;
    renderHeader(channel);
    renderMessages(channel);
    renderModal();
  }

  // ------------------------------------------------------------------ controls

  // `@` in the composer offers the workspace's people; the server turns a typed `@name`
  // into `<@U…|name>` as Slack does (bot/sandbox/ui.py).
  function wireMentions() {
    const field = $("#composer-input");
    const list = $("#mention-list");
    const typed = () => /(^|\s)@([\w.-]*)$/.exec(field.value.slice(0, field.selectionStart));
    const pick = (name) => {
      const match = typed();
      if (!match) return;
      const end = field.selectionStart;
      const start = end - match[2].length;
      field.value = `${field.value.slice(0, start)}${name} ${field.value.slice(end)}`;
      field.setSelectionRange(start + name.length + 1, start + name.length + 1);
      list.hidden = true;
      field.focus();
    };
    const show = () => {
      const match = typed();
      const humans = match ? S.data.users.filter((u) => !u.is_bot && (u.name.startsWith(match[2].toLowerCase())
        || (u.real_name || "").toLowerCase().startsWith(match[2].toLowerCase()))) : [];
      list.replaceChildren(...humans.slice(0, 8).map((u, i) => el("li", { role: "option", "aria-selected": i === 0 ? "true" : "false", "data-name": u.name,
        onmousedown: (event) => { event.preventDefault(); pick(u.name); } }, `${u.real_name || u.name} `, el("small", { text: `@${u.name}` }))));
      list.hidden = humans.length === 0;
    };
    field.addEventListener("input", show);
    field.addEventListener("blur", () => { list.hidden = true; });
    field.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      const items = [...list.children];
      const at = items.findIndex((li) => li.getAttribute("aria-selected") === "true");
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const next = (at + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items.forEach((li, i) => li.setAttribute("aria-selected", i === next ? "true" : "false"));
      } else if (event.key === "Enter" || event.key === "Tab") {
        const name = items[Math.max(at, 0)].dataset.name;
        const match = typed();
        if (event.key === "Enter" && match && match[2] === name) {
          list.hidden = true;  // the name is typed in full: Enter sends, as it would anyway
          return;
        }
        event.preventDefault();
        pick(name);
      } else if (event.key === "Escape") {
        list.hidden = true;
      }
    });
  }

  function wire() {
    $("#user-picker").addEventListener("change", (event) => {
      S.user = event.target.value;
      store.setItem("sandbox.user", S.user);
      S.modalKey = null;
      S.rendered = new Map();
      S.renderedChannel = null;
      refresh();
    });
    $("#fire-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const scenario = $("#scenario-picker").value;
      expectChannel();
      const answer = await post("fire", { scenario });
      if (!answer) return;
      const alert = ((answer.answer || {}).alerts || [])[0] || {};
      if (answer.status >= 400) return;
      const what = alert.outcome === "opened" ? "opened" : "joined";
      toast(`Alert fired: it ${what} incident #${alert.incident}.`);
    });
    $("#drill-button").addEventListener("click", async () => {
      const scenario = $("#scenario-picker").value;
      const speed = Number($("#drill-speed").value) || 1;
      await post("command", { channel: S.channel, text: `/incident drill ${scenario} speed=${speed}` });
    });
    $("#composer").addEventListener("submit", async (event) => {
      event.preventDefault();
      const field = $("#composer-input");
      const text = field.value.trim();
      if (!text || !S.channel) return;
      if (text.startsWith("/")) expectChannel();
      const answer = text.startsWith("/")
        ? await post("command", { channel: S.channel, text })
        : await post("message", { channel: S.channel, text });
      if (answer) field.value = "";
    });
    wireMentions();
    document.addEventListener("click", (event) => {
      for (const menu of document.querySelectorAll(".overflow-menu:not([hidden])")) {
        if (!menu.parentElement.contains(event.target)) menu.hidden = true;
      }
    });
  }

  wire();
  refresh();
  listen();
})();
