// Slack's mrkdwn and text objects drawn as DOM nodes: mentions, channels, dates, links,
// bold/italic/strike/code, preformatted blocks and emoji.
// Every text from the workspace reaches the DOM through textContent / text nodes: message
// text and alert text are never parsed as HTML.

import { channelName, me, nameOf, slackDate } from "./people.js";
import { el, safeUrl } from "./state.js";

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

export function emoji(name) {
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
export function special(inner) {
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

export function mrkdwn(text) {
  const holes = [];
  // <…> sequences become placeholders first, so styling can span them without breaking them.
  const source = String(text || "").replace(/<([^<>\n]+)>/g, (all, inner) => {
    holes.push(inner);
    return `\uE000${holes.length - 1}\uE001`;
  });
  return el("span", { class: "mrkdwn" }, fenced(source, holes));
}

export function textObject(object) {
  if (!object) return null;
  if (object.type === "mrkdwn") return mrkdwn(object.text);
  return el("span", { class: "plain" }, object.emoji === false ? object.text : withEmoji(object.text || ""));
}

export function plainOf(object) {
  return object ? (object.emoji === false ? object.text : withEmoji(object.text || "")) : "";
}
