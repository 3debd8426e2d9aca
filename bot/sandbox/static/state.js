// The sandbox page's shared ground: its state, DOM helpers, and talking to the server
// (bot/sandbox/ui_routes.py): actions go out as JSON posts, and server-sent events say when to
// fetch the state again.
// Every text from the workspace reaches the DOM through textContent / text nodes: message
// text and alert text are never parsed as HTML.

export const $ = (selector) => document.querySelector(selector);
export const store = window.localStorage;
export const S = {
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

export function el(tag, attrs, ...children) {
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

export function toast(text, kind) {
  const node = el("div", { class: `toast ${kind || ""}`, role: "status", text });
  $("#toasts").append(node);
  setTimeout(() => node.remove(), kind === "error" ? 7000 : 4000);
}

export function safeUrl(url) {
  try {
    const parsed = new URL(url); // absolute only: a relative "link" is just text
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch (e) {
    return null;
  }
}

// ------------------------------------------------------------------ talking to the server

let rendering = () => {};

// What to do with each fresh state (app.js: draw the page); set once at start-up.
export function onState(fn) {
  rendering = fn;
}

export async function post(path, body) {
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

export function refreshSoon(delay = 50) {
  if (S.timer) return;
  S.timer = setTimeout(() => {
    S.timer = null;
    refresh();
  }, delay);
}

export async function refresh() {
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
    rendering();
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

export function listen() {
  const source = new EventSource("/sandbox/ui/events");
  source.onopen = () => {
    setLive(true);
    refreshSoon();
  };
  source.onmessage = () => refreshSoon();
  source.onerror = () => setLive(false);
}
