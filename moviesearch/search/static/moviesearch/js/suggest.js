// Suggestions under the search box (progressive enhancement: without this script
// the box is a plain search form). An ARIA 1.2 combobox: arrow keys move through
// the options, Enter opens the active one, Escape closes the list.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest-url]");
  if (!input || !window.fetch) return;
  var form = input.form;
  var list = document.createElement("ul");
  var options = [];
  var active = -1;
  var timer = null;
  var pending = null;
  var DEBOUNCE_MS = 150;
  var MIN_CHARS = 2;

  list.id = "suggest-list";
  list.className = "suggest-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("autocomplete", "off");

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    options.forEach(function (li, i) {
      li.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(li) {
    close();
    window.location.assign(li.dataset.url);
  }

  function option(label, hint, url) {
    var li = document.createElement("li");
    li.id = "suggest-option-" + options.length;
    li.className = "suggest-option";
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.url = url;
    var main = document.createElement("span");
    main.textContent = label;
    var small = document.createElement("span");
    small.className = "suggest-hint";
    small.textContent = hint;
    li.appendChild(main);
    li.appendChild(small);
    // mousedown, not click: the input's blur would close the list first.
    li.addEventListener("mousedown", function (event) {
      event.preventDefault();
      choose(li);
    });
    options.push(li);
    list.appendChild(li);
  }

  function show(data) {
    list.textContent = "";
    options = [];
    data.people.forEach(function (p) {
      var role = p.role === "director" ? "Director" : "Actor";
      option(p.name, role + " · " + p.films + (p.films === 1 ? " film" : " films"), p.url);
    });
    data.titles.forEach(function (t) {
      option(t.title, t.year ? "Film · " + t.year : "Film", t.url);
    });
    data.genres.forEach(function (g) {
      option(g.name, "Genre · " + g.films + " films", g.url);
    });
    (data.studios || []).forEach(function (s) {
      option(s.name, "Studio · " + s.films + " films", s.url);
    });
    if (!options.length) return close();
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(-1);
  }

  function fetchSuggestions() {
    var text = input.value.trim();
    if (text.length < MIN_CHARS) return close();
    if (pending) pending.abort();
    pending = new AbortController();
    var url = input.dataset.suggestUrl + "?limit=4&q=" + encodeURIComponent(text);
    fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && input.value.trim() === text) show(data);
      })
      .catch(function () {}); // aborted or offline: the plain form still works
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", function (event) {
    var open = !list.hidden && options.length > 0;
    if (event.key === "ArrowDown") {
      if (!open) return fetchSuggestions();
      event.preventDefault();
      highlight((active + 1) % options.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault(); // the form would search the typed text instead
      choose(options[active]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("blur", close);
})();
