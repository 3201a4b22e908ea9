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

  // document view: next/previous through the query's marks
  function attachMarkNav(box) {
    var marks = Array.prototype.slice.call(document.querySelectorAll("mark.q"));
    var nav = box.querySelector(".mark-nav");
    if (!marks.length || !nav) return;
    nav.hidden = false;
    var pos = box.querySelector(".mark-pos");
    var current = -1;
    function go(step) {
      if (current >= 0) marks[current].classList.remove("current");
      current = (current + step + marks.length) % marks.length;
      var mark = marks[current];
      mark.classList.add("current");
      mark.scrollIntoView({ block: "center" });
      pos.textContent = "第 " + (current + 1) + " / " + marks.length + " 处";
    }
    box.querySelector(".mark-next").addEventListener("click", function () { go(1); });
    box.querySelector(".mark-prev").addEventListener("click", function () { go(-1); });
  }

  // document view: copy an article's citation (《title》第X条, its text and link); print one article
  function attachArticleTools(section) {
    var cite = section.querySelector("button.cite");
    var status = section.querySelector(".cite-status");
    if (cite && navigator.clipboard) {
      cite.hidden = false;
      cite.addEventListener("click", function () {
        var url = new URL(location.href);
        url.search = "";
        url.hash = cite.dataset.anchor;
        var text = Array.prototype.map.call(section.querySelectorAll(".para"), function (p) {
          return p.textContent.trim();
        }).join("\n");
        navigator.clipboard.writeText(cite.dataset.citation + "\n" + text + "\n" + url.href).then(
          function () { status.textContent = "已复制引用"; },
          function () { status.textContent = "复制失败，请手动选中复制"; }
        );
      });
    }
    var print = section.querySelector("button.print-one");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () {
        document.body.classList.add("print-one");
        section.classList.add("print-target");
        window.print();
      });
    }
  }

  function afterPrint() {
    document.body.classList.remove("print-one");
    document.querySelectorAll(".print-target").forEach(function (s) { s.classList.remove("print-target"); });
  }

  // phones: the table of contents and the filter panel start folded (open without JS)
  function foldOnPhones() {
    if (!window.matchMedia("(max-width: 48rem)").matches) return;
    document.querySelectorAll("details.toc, details.facets-panel, details.advanced").forEach(function (d) { d.open = false; });
  }

  function init() {
    document.querySelectorAll("input[data-suggest]").forEach(attachSuggest);
    document.querySelectorAll("button[data-copy-target]").forEach(attachCopy);
    document.querySelectorAll(".query-marks").forEach(attachMarkNav);
    document.querySelectorAll("section.measure").forEach(attachArticleTools);
    window.addEventListener("afterprint", afterPrint);
    foldOnPhones();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
