/* Page enhancements; every page works without this file (CSP: no inline scripts).
   - search boxes with data-suggest get completions from /api/suggest through a <datalist>
   - the /embed page gets a copy button for the snippet */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function attachSuggest(input, index) {
    var list = document.createElement("datalist");
    list.id = "suggest-list-" + index;
    input.after(list);
    input.setAttribute("list", list.id);
    var controller = null;
    var lastQuery = "";

    var update = debounce(function () {
      var q = input.value.trim();
      if (!q || q === lastQuery) return;
      lastQuery = q;
      if (controller) controller.abort();
      controller = new AbortController();
      var url = new URL(input.dataset.suggest, location.href);
      url.searchParams.set("q", q);
      fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          list.replaceChildren();
          (data.suggestions || []).forEach(function (s) {
            var option = document.createElement("option");
            option.value = s;
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 150);

    input.addEventListener("input", update);
  }

  function attachCopy(button) {
    var target = document.getElementById(button.dataset.copyTarget);
    var status = button.parentNode.querySelector(".copy-status");
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent).then(
        function () { if (status) status.textContent = "已复制"; },
        function () { if (status) status.textContent = "复制失败，请手动选中代码复制"; }
      );
    });
  }

  function init() {
    document.querySelectorAll("input[data-suggest]").forEach(attachSuggest);
    document.querySelectorAll("button[data-copy-target]").forEach(attachCopy);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
