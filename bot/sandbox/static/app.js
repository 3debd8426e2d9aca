// The incidentbot sandbox page. No dependencies, no build step: plain ES modules, each
// holding one part of the page (state.js, people.js, mrkdwn.js, blocks.js, forms.js,
// channels.js, composer.js). This one wires the controls and starts the page.

import { expectChannel, followNewChannel, render } from "./channels.js";
import { wireComposer } from "./composer.js";
import { $, S, listen, onState, post, refresh, store, toast } from "./state.js";

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
  wireComposer();
  document.addEventListener("click", (event) => {
    for (const menu of document.querySelectorAll(".overflow-menu:not([hidden])")) {
      if (!menu.parentElement.contains(event.target)) menu.hidden = true;
    }
  });
}

onState(() => {
  render();
  followNewChannel();
});
wire();
refresh();
listen();
