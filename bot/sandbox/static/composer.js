// The composer: a message or a slash command sent as the chosen person, with `@` offering
// the workspace's people as you type.

import { expectChannel } from "./channels.js";
import { $, S, el, post } from "./state.js";

export function wireComposer() {
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
}

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
