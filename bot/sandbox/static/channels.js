// The workspace around the open channel: the top bar's pickers, the channel list, the
// channel's header and its messages (redrawn only where they changed), and the open modal.
// Every text from the workspace reaches the DOM through textContent / text nodes: message
// text and alert text are never parsed as HTML.

import { renderBlocks } from "./blocks.js";
import { renderModal } from "./forms.js";
import { emoji, mrkdwn } from "./mrkdwn.js";
import { clock, me, nameOf } from "./people.js";
import { $, S, el, post, refresh, refreshSoon, safeUrl, store } from "./state.js";

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
export function expectChannel() {
  S.expect = { known: new Set((S.data.channels || []).map((c) => c.id)), until: Date.now() + 10_000 };
}

export function followNewChannel() {
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

export function render() {
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
