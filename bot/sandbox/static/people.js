// The workspace's people and channels by id, and times shown as Slack shows them: in the
// time zone of the person the page is acting as.

import { S } from "./state.js";

export function people() {
  return new Map((S.data ? S.data.users : []).map((u) => [u.id, u]));
}

export function me() {
  return people().get(S.user) || { tz: "UTC", name: S.user };
}

export function nameOf(id) {
  const user = people().get(id);
  return user ? user.name : id;
}

export function channelName(id) {
  const found = (S.data ? S.data.channels : []).find((c) => c.id === id);
  return found ? found.name : id;
}

function formatter(options) {
  return new Intl.DateTimeFormat("en-US", { timeZone: me().tz, ...options });
}

// "YYYY-MM-DDTHH:MM" in the person's time zone, and back to epoch seconds.
export function wallClock(ms) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: me().tz, hourCycle: "h23",
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
    .formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

export function fromWallClock(text) {
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

export function clock(date, seconds) {
  return formatter({ hour: "2-digit", minute: "2-digit", second: seconds ? "2-digit" : undefined,
    hourCycle: "h23" }).format(date);
}

// Slack's <!date^…> tokens, in the chosen person's time zone.
export function slackDate(date, format) {
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
