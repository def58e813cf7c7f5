// hub's live client: one WebSocket per tab (docs/realtime.md). Pages work without it.
//
// A page opts in with elements carrying data attributes (all optional):
//   data-live-channel="thread:42" data-live-since="<event id>"  subscribe, resuming after that id
//                                    (channel names come from the server, hub/channels.py: the
//                                    client never builds one)
//   data-live-posts                  where post partials are appended (thread page, newest window)
//   data-live-threads                where new thread rows are inserted (board page)
//   data-live-proposal-state         a proposal's state and timeline, replaced on proposal.status
//                                    (and the view fetched again when a vote opens)
//   data-live-vote-tally             a vote's tally and chart, replaced on vote.tally (never by an
//                                    older one: data-version); data-live-vote-form: the vote's
//                                    forms, removed when the tally says the vote is closed
//   data-live-typing                 where "… is typing" is shown
//   data-live-presence               where the list of the other readers is shown
//   data-live-presence-label         its label, shown while the list is not empty
//   data-live-typing-channel="thread:42" on a textarea: typing in it is announced
//   data-live-comments="<initiative id>"  where that initiative's comments are appended
//   data-live-initiative="<id>"      on the element subscribed to the initiative's channel: its
//                                    status events, heard there, reload the view
//   data-bell-count                  the header's unread count, kept by `user:<id>` events
//   data-live-progress               a <progress> moved by initiative.progress events
(function () {
  "use strict";
  var body = document.body;
  if (!("WebSocket" in window) || !body) return;

  var me = parseInt(body.getAttribute("data-user-id") || "0", 10);
  var socket = null;
  var channels = {}; // channel -> last event id seen (or null)
  var attempts = 0;
  var pingTimer = null;
  var pongDeadline = null;
  var banner = null;
  var typingTimers = {};
  var lastTyping = 0;
  var retryTimer = null;

  function t(key, fallback) {
    return body.getAttribute("data-i18n-" + key) || fallback;
  }

  function collect() {
    channels = {};
    document.querySelectorAll("[data-live-channel]").forEach(function (el) {
      var name = el.getAttribute("data-live-channel");
      var since = el.getAttribute("data-live-since");
      channels[name] = since ? since : null;
    });
  }

  function showBanner(text) {
    if (!banner) {
      banner = document.createElement("div");
      banner.className = "live-banner";
      banner.setAttribute("role", "status");
      banner.setAttribute("aria-live", "polite");
      body.appendChild(banner);
    }
    banner.textContent = text;
    banner.hidden = !text;
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function connect() {
    if (!Object.keys(channels).length || socket) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws");
    socket.onopen = function () {
      attempts = 0;
      showBanner("");
      Object.keys(channels).forEach(function (name) {
        send({ type: "subscribe", channel: name, since: channels[name] });
      });
      clearInterval(pingTimer);
      pingTimer = setInterval(heartbeat, 25000);
    };
    socket.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      handle(frame);
    };
    socket.onclose = function (closed) {
      clearInterval(pingTimer);
      clearTimeout(pongDeadline);
      socket = null;
      if (closed.code === 4401) { signedOut(); return; }
      reconnect();
    };
  }

  // 4401: the session (or token) that opened the socket ended: signed out, deactivated, a
  // password reset. Reconnecting would only be refused again: go to the sign-in page, which
  // comes back here if this browser is signed in anew.
  function signedOut() {
    clearTimeout(retryTimer);
    location.assign("/signin?next=" + encodeURIComponent(location.pathname + location.search));
  }

  function heartbeat() {
    send({ type: "ping" });
    clearTimeout(pongDeadline);
    // A socket that stopped answering (a laptop that slept, a dropped train connection).
    pongDeadline = setTimeout(function () { if (socket) socket.close(); }, 10000);
  }

  function reconnect() {
    showBanner(t("reconnecting", "Reconnecting…"));
    attempts += 1;
    var ceiling = Math.min(30000, 500 * Math.pow(2, attempts));
    var delay = ceiling / 2 + Math.random() * ceiling / 2; // backoff with jitter
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delay);
  }

  function handle(frame) {
    if (frame.type === "pong") { clearTimeout(pongDeadline); return; }
    if (frame.type === "subscribed" && frame.channel) {
      // Marks the channels this tab hears (tests wait on it before causing an event).
      var heard = (body.getAttribute("data-live-subscribed") || "").split(" ").filter(Boolean);
      if (heard.indexOf(frame.channel) < 0) heard.push(frame.channel);
      body.setAttribute("data-live-subscribed", heard.join(" "));
    }
    if (frame.type === "subscribed" && frame.recovered === false) { reloadView(); return; }
    if (frame.type === "event") { onEvent(frame); return; }
    if (frame.type === "typing") { onTyping(frame); return; }
    if (frame.type === "presence") { onPresence(frame); return; }
    if (frame.type === "error" && frame.code !== "rate_limited" && frame.channel) {
      delete channels[frame.channel];
    }
  }

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');

  // Partials are rendered once for many readers: their forms get this reader's CSRF token here.
  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var node = template.content.firstElementChild;
    if (node && csrfMeta) {
      node.querySelectorAll('input[name="csrf_token"]').forEach(function (input) {
        input.value = csrfMeta.getAttribute("content");
      });
    }
    return node;
  }

  function replacePost(id, html) {
    var old = document.getElementById("post-" + id);
    if (!old || !html) return;
    var fresh = fragment(html);
    // Which reactions are this reader's own is not in a shared partial: keep it from the page.
    old.querySelectorAll("button[data-kind]").forEach(function (button) {
      var twin = fresh.querySelector('button[data-kind="' + button.getAttribute("data-kind") + '"]');
      if (!twin) return;
      twin.setAttribute("aria-pressed", button.getAttribute("aria-pressed"));
      var on = twin.form && twin.form.querySelector('input[name="on"]');
      if (on) on.value = button.getAttribute("aria-pressed") === "true" ? "0" : "1";
    });
    old.replaceWith(fresh);
  }

  // The header's bell (data-bell-count): the unread count from the user's own channel.
  function setBell(count) {
    var badge = document.querySelector("[data-bell-count]");
    if (!badge || typeof count !== "number") return;
    badge.textContent = String(count);
    badge.hidden = count === 0;
  }

  function onEvent(frame) {
    channels[frame.channel] = frame.id;
    var data = frame.data || {};
    var holder = document.querySelector('[data-live-channel="' + frame.channel + '"]');
    if (holder) holder.setAttribute("data-live-since", frame.id);
    switch (frame.event) {
      case "notification":
      case "notification.read": {
        setBell(data.unread);
        break;
      }
      case "post.created": {
        var list = document.querySelector("[data-live-posts]");
        if (list && data.partial && !document.getElementById("post-" + data.id)) {
          list.appendChild(fragment(data.partial));
          clearTyping(data.author && data.author.id);
        } else if (!list) {
          showNotice();
        }
        break;
      }
      case "post.edited":
      case "post.deleted":
      case "post.hidden":
        replacePost(data.id, data.partial);
        break;
      case "reaction.changed":
        updateReactions(data);
        break;
      case "thread.created": {
        var threads = document.querySelector("[data-live-threads]");
        if (threads && data.partial && !document.getElementById("thread-" + data.id)) {
          var firstUnpinned = threads.querySelector(".thread-row:not(.pinned)");
          threads.insertBefore(fragment(data.partial), firstUnpinned);
        }
        break;
      }
      case "proposal.status": {
        var state = document.querySelector("[data-live-proposal-state]");
        if (state && data.partial) state.replaceWith(fragment(data.partial));
        // A vote just opened: the page fetches its vote section (with the reader's own form).
        if (state && data.status === "voting" && !document.querySelector("[data-live-vote-tally]")) {
          reloadView();
        }
        break;
      }
      case "vote.tally":
        updateTally(data);
        break;
      case "initiative.comment": {
        var comments = document.querySelector('[data-live-comments="' + data.initiative_id + '"]');
        if (comments && data.partial && !document.getElementById("comment-" + data.id)) {
          comments.appendChild(fragment(data.partial));
        }
        break;
      }
      case "initiative.progress": {
        var bar = document.querySelector("[data-live-progress]");
        var revision = data.revision || {};
        if (bar && typeof revision.progress === "number") {
          bar.value = revision.progress;
          bar.textContent = revision.progress + " %";
        }
        break;
      }
      case "initiative.status":
      case "initiative.follow_up":
        // Heard on the initiative's own channel (the committee's repeats it for the inbox):
        // the element subscribed to it names the initiative (the server names every channel).
        var mine = holder && holder.getAttribute("data-live-initiative") === String(data.id);
        if (mine) {
          // Never at the cost of what the reader is writing: then only say that it changed.
          var writing = Array.prototype.some.call(
            document.querySelectorAll("#main textarea"),
            function (area) { return area.value.trim() !== ""; }
          );
          if (writing) showNotice(); else reloadView();
        }
        break;
      case "thread.updated":
      case "thread.moved":
      case "membership.changed":
      case "network.updated":
        if (frame.event !== "membership.changed" || data.user_id === me) reloadView();
        break;
    }
  }

  function updateTally(data) {
    var tally = document.querySelector("[data-live-vote-tally]");
    if (!tally || !data.partial) return;
    var shown = parseInt(tally.getAttribute("data-version") || "0", 10);
    if (tally.getAttribute("data-status") === "closed") return; // the frozen result stays
    if (data.status !== "closed" && data.version < shown) return; // an older tally
    tally.replaceWith(fragment(data.partial));
    if (data.status === "closed") {
      document.querySelectorAll("[data-live-vote-form]").forEach(function (form) { form.remove(); });
    }
  }

  // Counts change for everyone; the pressed state only for the person who reacted, and not
  // while a click of theirs awaits its answer (board.js: that answer decides).
  function updateReactions(data) {
    var post = document.getElementById("post-" + data.post_id);
    if (!post) return;
    post.querySelectorAll("button[data-kind]").forEach(function (button) {
      var kind = button.getAttribute("data-kind");
      var count = button.querySelector(".reaction-count");
      var n = (data.reactions || {})[kind] || 0;
      if (count) count.textContent = n ? String(n) : "";
      if (data.user_id === me && kind === data.kind && !button.hasAttribute("aria-busy")) {
        button.setAttribute("aria-pressed", data.on ? "true" : "false");
        var on = button.form && button.form.querySelector('input[name="on"]');
        if (on) on.value = data.on ? "0" : "1";
      }
    });
  }

  function showNotice() {
    var notice = document.querySelector("[data-live-notice]");
    if (notice) notice.hidden = false;
  }

  function onTyping(frame) {
    var box = document.querySelector("[data-live-typing]");
    if (!box || !frame.user) return;
    var id = frame.user.id;
    var item = box.querySelector('[data-user="' + id + '"]');
    if (!item) {
      item = document.createElement("span");
      item.setAttribute("data-user", id);
      item.textContent = t("typing", "%(name)s is typing…").replace("%(name)s", frame.user.name);
      box.appendChild(item);
    }
    clearTimeout(typingTimers[id]);
    typingTimers[id] = setTimeout(function () { clearTyping(id); }, 5000);
  }

  function clearTyping(id) {
    var box = document.querySelector("[data-live-typing]");
    var item = box && box.querySelector('[data-user="' + id + '"]');
    if (item) item.remove();
  }

  // The other readers, names in this reader's script (the server writes them so). The line is
  // a polite live region: it changes only when the list does, and its label shows with names.
  function onPresence(frame) {
    var box = document.querySelector("[data-live-presence]");
    if (!box) return;
    var names = (frame.users || [])
      .filter(function (u) { return u.id !== me; })
      .map(function (u) { return u.name; })
      .join(", ");
    if (box.textContent === names) return;
    box.textContent = names;
    var label = document.querySelector("[data-live-presence-label]");
    if (label) label.hidden = !names;
  }

  // History no longer reaches back (or a membership changed): load this view afresh.
  function reloadView() {
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("main");
        var main = document.getElementById("main");
        if (fresh && main) main.innerHTML = fresh.innerHTML;
        var old = Object.assign({}, channels);
        collect();
        Object.keys(channels).forEach(function (name) {
          send({ type: "subscribe", channel: name, since: channels[name] });
        });
        Object.keys(old).forEach(function (name) {
          if (!(name in channels)) send({ type: "unsubscribe", channel: name });
        });
      });
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    var channel = target && target.getAttribute && target.getAttribute("data-live-typing-channel");
    if (!channel) return;
    var now = Date.now();
    if (now - lastTyping > 2000) {
      lastTyping = now;
      send({ type: "typing", channel: channel });
    }
  });

  // The browser knows first when the network goes: close now, and come back as soon as it returns.
  window.addEventListener("offline", function () { if (socket) socket.close(); });
  window.addEventListener("online", function () {
    if (!socket) { attempts = 0; clearTimeout(retryTimer); connect(); }
  });

  collect();
  connect();
})();
