// The nlrec page: search, exclusions, "more like this", taste profiles, listening.
// Each answer is applied only if it answers the latest request; the URL carries the search
// (q, mode, where, negation, k, exclude, profile, like), so back, reload and sharing work.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { exclude: [], profile: null, like: null, seq: 0, controller: null, needsKey: false, lastUrl: null };

function esc(s) { return String(s ?? "").replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c])); }

class ApiError extends Error { constructor(status, message) { super(message); this.status = status; } }

async function api(path, opts = {}) {
  const headers = { "Content-Type": "application/json", ...(opts.headers || {}) };
  const r = await fetch(path, { ...opts, headers });
  const body = await r.json().catch(() => ({ error: { message: r.statusText || `HTTP ${r.status}` } }));
  if (!r.ok) throw new ApiError(r.status, body.error ? body.error.message : r.statusText);
  return body;
}

function setStatus(text) { $("status").textContent = text; }

function showMessage(title, text, error = false) {
  const m = $("message");
  m.hidden = false; m.className = error ? "error" : "";
  m.setAttribute("role", error ? "alert" : "status");
  m.innerHTML = `<h3>${esc(title)}</h3><div>${esc(text)}</div>`;
}
function hideMessage() { $("message").hidden = true; $("message").innerHTML = ""; }

function markReady() { document.body.dataset.ready = String(Date.now()) + "-" + state.seq; }

// -- the URL ------------------------------------------------------------------------------------
function toParams() {
  const p = new URLSearchParams();
  const q = $("q").value.trim();
  if (q) p.set("q", q);
  if (state.like) { p.set("like", state.like.id); p.set("like_label", state.like.label); }
  if ($("mode").value !== "hybrid") p.set("mode", $("mode").value);
  if ($("negation").value !== "filter") p.set("negation", $("negation").value);
  const where = $("where").value.trim(); if (where) p.set("where", where);
  if (+$("k").value && +$("k").value !== 10) p.set("k", String(+$("k").value));
  for (const e of state.exclude) p.append("exclude", e);
  if (state.profile) { p.set("profile", state.profile); p.set("pw", $("pweight").value); }
  return p;
}

function fromParams(p) {
  $("q").value = p.get("q") || "";
  $("mode").value = p.get("mode") || "hybrid";
  $("negation").value = p.get("negation") || "filter";
  $("where").value = p.get("where") || "";
  $("k").value = p.get("k") || "10";
  if (p.get("where") || p.get("mode") || p.get("negation")) $("options").open = true;
  state.exclude = p.getAll("exclude");
  state.like = p.get("like") ? { id: p.get("like"), label: p.get("like_label") || p.get("like") } : null;
  if (p.get("pw")) $("pweight").value = p.get("pw");
  renderExcluded();
  return p.get("profile") || "";
}

// -- rendering ------------------------------------------------------------------------------------
function renderParsed(p) {
  const parts = [];
  if (state.like) parts.push(`<span class="chip ref">more like: ${esc(state.like.label)} <button type="button" id="unlike" title="back to the request">×</button></span>`);
  else if (p.positive) parts.push(`<span class="chip want">wanted: ${esc(p.positive)}</span>`);
  for (const n of p.negative || []) parts.push(`<span class="chip without">without: ${esc(n)}</span>`);
  for (const r of p.references || []) parts.push(`<span class="chip ref">like: ${esc(r.name || r.span)}</span>`);
  for (const y of p.years || []) parts.push(`<span class="chip year">${y.negated ? "not " : ""}${esc(y.span)}</span>`);
  for (const u of p.unresolved || []) parts.push(`<span class="chip" title="not in this catalog: left out">unknown here: ${esc(u.span)}</span>`);
  $("parsed").innerHTML = parts.join(" ");
  const un = $("unlike"); if (un) un.onclick = () => { state.like = null; run(); };
}

function renderExcluded() {
  $("excluded").innerHTML = state.exclude.map((e, i) =>
    `<span class="chip without">−${esc(e)}<button type="button" data-i="${i}" title="stop excluding ${esc(e)}" aria-label="stop excluding ${esc(e)}">×</button></span>`).join("");
  for (const b of $("excluded").querySelectorAll("button")) b.onclick = () => { state.exclude.splice(+b.dataset.i, 1); renderExcluded(); run(); };
}

function displayTitle(h) {
  if (h.title) return h.title;
  if (h.listen && h.listen.youtube) return `YouTube clip ${h.id}`;
  return h.id;
}

function clock(url) {
  const m = /[?&]t=(\d+)s/.exec(url || ""); if (!m) return "";
  const s = +m[1]; return ` from ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function renderHits(hits) {
  const ol = $("hits"); ol.innerHTML = "";
  for (const h of hits) {
    const li = document.createElement("li"); li.className = "hit"; li.dataset.id = h.id;
    const matched = new Set(h.matched || []);
    const bad = new Set((h.negation && h.negation.excluded_by) || []);
    const meta = [h.artist ? `<span class="artist">${esc(h.artist)}</span>` : "", h.year ? esc(h.year) : ""].filter(Boolean);
    const caption = h.metadata && typeof h.metadata.caption === "string" ? h.metadata.caption : "";
    const listen = h.listen || {};
    li.innerHTML = `<div class="top"><div class="name"><span class="title" title="id ${esc(h.id)}">${esc(displayTitle(h))}</span>
        ${meta.length ? `<div class="meta">${meta.join(" · ")}</div>` : ""}
        ${caption ? `<div class="meta">${esc(caption.length > 180 ? caption.slice(0, 177) + "…" : caption)}</div>` : ""}</div>
        <div class="actions">
          ${listen.audio ? `<button type="button" class="play" aria-label="play ${esc(displayTitle(h))}">▶ play</button>` : ""}
          ${listen.youtube ? `<a class="yt" href="${esc(listen.youtube)}" target="_blank" rel="noopener">▶ YouTube${esc(clock(listen.youtube))}</a>` : ""}
          <button type="button" class="more">more like this</button></div></div>
      <div class="desc">${(h.descriptors || []).map(d => `<button type="button" class="d${matched.has(d) ? " matched" : ""}${bad.has(d) ? " bad" : ""}" title="exclude ${esc(d)}">${esc(d)}</button>`).join("")}</div>
      <div class="why">${esc((h.why || []).join(" · "))}</div>`;
    li.querySelector(".more").onclick = () => { state.like = { id: h.id, label: displayTitle(h) }; run(); };
    const play = li.querySelector(".play");
    if (play) play.onclick = () => {
      let audio = li.querySelector("audio");
      if (!audio) { audio = document.createElement("audio"); audio.controls = true; audio.preload = "none"; audio.src = listen.audio; li.appendChild(audio); }
      if (audio.paused) { audio.play().catch(() => {}); play.textContent = "❚❚ pause"; } else { audio.pause(); play.textContent = "▶ play"; }
    };
    for (const d of li.querySelectorAll(".d")) d.onclick = () => {
      if ($("negation").value === "off") $("negation").value = "filter";
      if (!state.exclude.includes(d.textContent)) { state.exclude.push(d.textContent); renderExcluded(); run(); }
    };
    ol.appendChild(li);
  }
}

// -- searching ----------------------------------------------------------------------------------
function requestBody() {
  const body = { q: $("q").value.trim(), k: Math.max(1, Math.min(100, +$("k").value || 10)), mode: $("mode").value,
                 negation: $("negation").value, exclude: $("negation").value === "off" ? [] : state.exclude };
  const where = $("where").value.trim(); if (where) body.where = where;
  if (state.like) body.like = state.like.id;
  if (state.profile) { body.profile = state.profile; body.profile_weight = +$("pweight").value; }
  return body;
}

async function run({ push = true } = {}) {
  const seq = ++state.seq;
  if (state.controller) state.controller.abort();  // a newer request replaces the one in flight
  const params = toParams();
  const url = params.toString() ? `/?${params}` : "/";
  if (push && url !== state.lastUrl) history.pushState(null, "", url);
  state.lastUrl = url;
  const body = requestBody();
  if (!body.q && !body.like) {
    $("hits").innerHTML = ""; $("parsed").innerHTML = ""; setStatus("");
    showMessage("What do you want to hear?", 'Describe it in your own words, e.g. "calm piano for studying, no vocals" or "upbeat 80s synthwave".');
    markReady(); return;
  }
  const controller = state.controller = new AbortController();
  setStatus("searching…");
  try {
    const res = await api("/search", { method: "POST", body: JSON.stringify(body), signal: controller.signal });
    if (seq !== state.seq) return;  // an answer to an older request: ignored
    renderParsed(res.parsed); renderHits(res.hits);
    if (res.nothing_to_match && !state.like) {
      showMessage("Nothing to match", `"${body.q}" has nothing to search for once filler is set aside. Say what the music is like: a genre, a mood, an instrument, an artist.`);
      setStatus("");
    } else if (!res.hits.length) {
      const loosen = [body.where ? "the where filter" : "", state.exclude.length ? "exclusions" : "", state.profile ? "" : ""].filter(Boolean);
      showMessage("No tracks found", loosen.length ? `Nothing matches with ${loosen.join(" and ")}; try removing some.` : "No track in this index matches; try other words.");
      setStatus("");
    } else {
      hideMessage();
      const what = state.like ? `tracks like ${state.like.label}` : "tracks";
      setStatus(`${res.hits.length} ${what} in ${Math.round(res.took_ms)} ms${state.profile ? " · re-ranked with profile " + state.profile : ""}`);
    }
  } catch (e) {
    if (seq !== state.seq || e.name === "AbortError") return;
    $("hits").innerHTML = ""; setStatus("");
    showMessage(e.status === 503 ? "The server is busy" : "Could not search", e.message, true);
  }
  markReady();
}

// -- profiles -----------------------------------------------------------------------------------
async function loadProfiles() {
  try {
    const list = await api("/profiles");
    for (const p of list) { if (p.error) continue; const o = document.createElement("option"); o.value = o.textContent = p.name; $("profile").appendChild(o); }
  } catch (e) { /* no profiles */ }
}

function writeHeaders() {
  const key = $("apikey").value;
  return key ? { "X-API-Key": key } : {};
}

async function showProfile(name, { search = true } = {}) {
  state.profile = name || null;
  $("profile").value = name || "";
  $("protos").innerHTML = ""; $("muted").textContent = ""; $("profile-error").textContent = "";
  if (!name) { if (search) run(); return; }
  let p;
  try { p = await api(`/profiles/${encodeURIComponent(name)}`); }
  catch (e) { $("profile-error").textContent = e.message; return; }
  const weights = Object.entries(p.weights || {}).sort((a, b) => b[1] - a[1]).slice(0, 12);
  const top = Math.min(1, Math.max(0.2, 2 * (weights.length ? weights[0][1] : 0.5)));
  $("protos").innerHTML = weights.map(([d, w]) => `<div class="proto" data-d="${esc(d)}"><span>${esc(d)}</span>
      <input type="range" min="0" max="${top}" step="0.005" value="${w}" aria-label="weight of ${esc(d)}">
      <button type="button" class="mute" title="mute ${esc(d)}" aria-label="mute ${esc(d)}">✕</button></div>`).join("");
  $("muted").textContent = (p.muted && p.muted.length) ? "muted: " + p.muted.join(", ") : "";
  for (const row of $("protos").querySelectorAll(".proto")) {
    const d = row.dataset.d;
    row.querySelector("input").onchange = (ev) => adjust(name, { set: { [d]: +ev.target.value } });
    row.querySelector(".mute").onclick = async () => { if (await adjust(name, { mute: [d] })) showProfile(name, { search: false }); };
  }
  if (search) run();
}

async function adjust(name, change) {
  $("profile-error").textContent = "";
  try {
    await api(`/profiles/${encodeURIComponent(name)}/adjust`, { method: "POST", body: JSON.stringify(change), headers: writeHeaders() });
  } catch (e) {
    await showProfile(name, { search: false });  // the sliders go back to the saved weights
    // the error stays until the next change: no search is re-run over it
    $("profile-error").textContent = e.status === 401 ? "Not saved: this server needs the API key for changes (enter it below)." : `Not saved: ${e.message}`;
    if (e.status === 401) { $("key-box").hidden = false; $("apikey").focus(); }
    return false;
  }
  run();
  return true;
}

// -- wiring -------------------------------------------------------------------------------------
$("search").onsubmit = (e) => { e.preventDefault(); state.like = null; run(); };
for (const id of ["mode", "negation", "where", "k"]) $(id).onchange = () => run();
$("pweight").onchange = () => state.profile && run();
$("profile").onchange = (e) => showProfile(e.target.value);
$("apikey").value = sessionStorage.getItem("nlrec-key") || "";
$("apikey").onchange = () => sessionStorage.setItem("nlrec-key", $("apikey").value);
window.onpopstate = () => {
  const profile = fromParams(new URLSearchParams(location.search));
  state.lastUrl = location.pathname + location.search;
  if ((profile || null) !== state.profile) showProfile(profile, { search: false });
  run({ push: false });
};
api("/index").then(i => {
  $("index-info").textContent = `${i.name} · ${i.tracks.toLocaleString()} tracks · ${i.encoder}`;
  state.needsKey = !!i.writes_need_key;
  $("key-box").hidden = !state.needsKey;
}).catch(e => { $("index-info").textContent = `index unavailable: ${e.message}`; });

(async () => {
  await loadProfiles();
  const profile = fromParams(new URLSearchParams(location.search));
  state.lastUrl = location.pathname + location.search;
  if (profile) await showProfile(profile, { search: false });
  if ($("q").value.trim() || state.like) run({ push: false });
  else { showMessage("What do you want to hear?", 'Describe it in your own words, e.g. "calm piano for studying, no vocals" or "upbeat 80s synthwave".'); markReady(); }
})();
