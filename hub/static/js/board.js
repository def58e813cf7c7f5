// Boards: @mention completion and reactions without a reload. Pages work without this file.
(function () {
  "use strict";

  // --- @mention completion: a listbox under textareas with data-mention-source -------------
  var MENTION = /(^|[^\w@.])@([\w.-]{0,60})$/;
  var counter = 0;

  function setUpMentions(textarea) {
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var items = [];
    var active = -1;
    var start = -1;
    var timer = null;
    var listId = "mention-list-" + (++counter);
    list.id = listId;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", textarea.dataset.mentionLabel || "@");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", listId);
    textarea.after(list, status);

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        textarea.setAttribute("aria-activedescendant", listId + "-" + index);
      }
    }

    function choose(index) {
      var person = items[index];
      if (!person) { return; }
      var caret = textarea.selectionStart;
      var text = textarea.value;
      var insert = "@" + person.handle + " ";
      textarea.value = text.slice(0, start) + insert + text.slice(caret);
      textarea.selectionStart = textarea.selectionEnd = start + insert.length;
      close();
      textarea.focus();
    }

    function show(people) {
      close();
      items = people;
      people.forEach(function (person, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.textContent = person.name + " (@" + person.handle + ")";
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(li);
      });
      status.textContent = people.length ? list.getAttribute("aria-label") + ": " + people.length : "";
      if (people.length) {
        list.hidden = false;
        highlight(0);
      }
    }

    function lookUp() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = MENTION.exec(before);
      if (!match) { close(); return; }
      start = before.length - match[2].length - 1;
      var url = textarea.dataset.mentionSource + "?q=" + encodeURIComponent(match[2]);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (data) { show(data.items.filter(function (p) { return p.handle; })); })
        .catch(close);
    }

    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, 150);
    });
    textarea.addEventListener("blur", close);
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : items.length - 1;
        highlight((active + step) % items.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
  }

  document.querySelectorAll("textarea[data-mention-source]").forEach(setUpMentions);

  // --- reactions: toggle through the API and update the counts in place --------------------
  // The live `reaction.changed` event (live.js) and the answer may arrive in either order: the
  // button shows the state asked for at once, and the answer to the latest click confirms it.
  function setPressed(form, pressed) {
    form.elements.namedItem("on").value = pressed ? "0" : "1";
    form.querySelector("button").setAttribute("aria-pressed", pressed ? "true" : "false");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("reaction-form")) { return; }
    var article = form.closest("[data-post-id]");
    var on = form.elements.namedItem("on");
    var kind = form.elements.namedItem("kind").value;
    if (!article || !window.fetch) { return; }
    event.preventDefault();
    var want = on.value === "1";
    var asked = String(Number(form.dataset.asked || "0") + 1);
    form.dataset.asked = asked;
    setPressed(form, want);
    var button = form.querySelector("button");
    button.setAttribute("aria-busy", "true");
    var url = "/api/v1/posts/" + article.dataset.postId + "/reactions/" + kind;
    fetch(url, {
      method: want ? "PUT" : "DELETE",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": form.elements.namedItem("csrf_token").value, Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      if (form.dataset.asked !== asked) { return; } // a later click's answer decides
      setPressed(form, want); // PUT and DELETE are idempotent: what was asked for now holds
      article.querySelectorAll(".reaction-form").forEach(function (other) {
        var count = data.reactions[other.elements.namedItem("kind").value] || 0;
        other.querySelector(".reaction-count").textContent = count ? String(count) : "";
      });
      button.removeAttribute("aria-busy");
    }).catch(function () {
      if (form.dataset.asked !== asked) { return; }
      setPressed(form, !want); // as it was: the form asks for `want` again
      form.submit(); // without the API, the page's own form does it
    });
  });
})();
