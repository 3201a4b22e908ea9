/* <policy-search>: an embeddable search box for policy clauses.
 *
 *   <script src="http://HOST/widget.js" defer></script>
 *   <policy-search></policy-search>
 *
 * Attributes: endpoint (service base URL; default: where this script was loaded from),
 * results (1-50, default 5), dept (department preset), placeholder.
 *
 * Everything lives in a shadow root, and the root element resets inherited properties, so
 * the host page's CSS cannot reach in and ours cannot leak out. Styles are applied through a
 * constructed stylesheet, which pages with a strict CSP (style-src 'self') still allow.
 * Data from the API is written as textContent; only `highlight` is parsed as HTML, and only
 * when it holds nothing but text and bare <mark> elements.
 */
(function () {
  "use strict";
  if (!window.customElements || !Element.prototype.attachShadow) return;
  if (customElements.get("policy-search")) return;   // script included twice

  var script = document.currentScript;
  var DEFAULT_BASE = script && script.src ? new URL(".", script.src).href : new URL("/", location.href).href;
  var DEFAULT_RESULTS = 5;
  var MAX_RESULTS = 50;
  var MAX_QUERY = 200;

  var CSS = [
    ":host { display: block; }",
    ":host([hidden]) { display: none; }",
    ".ps { all: initial; display: block; position: relative; box-sizing: border-box; max-width: 100%;",
    "  font-family: system-ui, -apple-system, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei',",
    "    'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', sans-serif;",
    "  font-size: 15px; line-height: 1.6; color: #1f2328; background: #fff; text-align: left;",
    "  padding: 12px; border: 1px solid #d0d7de; border-radius: 8px; }",
    ".ps *, .ps *::before, .ps *::after { box-sizing: border-box; }",
    ".sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }",
    "form { display: flex; gap: 8px; margin: 0; }",
    ".combo { position: relative; flex: 1; min-width: 0; }",
    "input { width: 100%; font: inherit; color: #1f2328; background: #fff; margin: 0;",
    "  padding: 7px 10px; border: 1px solid #8c959f; border-radius: 6px; }",
    "button { font: inherit; font-weight: 600; color: #fff; background: #0a58ca; margin: 0;",
    "  border: 1px solid #0a58ca; border-radius: 6px; padding: 6px 14px; cursor: pointer; white-space: nowrap; }",
    "button:hover { background: #084298; }",
    "input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }",
    "[role=listbox] { position: absolute; z-index: 2147483000; left: 0; right: 0; top: 100%; margin: 2px 0 0; padding: 4px 0;",
    "  list-style: none; background: #fff; border: 1px solid #8c959f; border-radius: 6px;",
    "  box-shadow: 0 6px 16px rgba(0,0,0,.15); max-height: 320px; overflow-y: auto; }",
    "[role=listbox][hidden] { display: none; }",
    "[role=option] { padding: 4px 10px; cursor: pointer; }",
    "[role=option][aria-selected=true], [role=option]:hover { background: #e7f0ff; color: #0a3069; }",
    ".scope, .status { margin: 8px 0 0; color: #57606a; font-size: 13px; }",
    ".scope[hidden], .status:empty, .more[hidden] { display: none; }",
    ".status.error { color: #b3261e; }",
    "ol { list-style: none; margin: 4px 0 0; padding: 0; }",
    "li.hit { padding: 10px 0; border-bottom: 1px solid #d0d7de; }",
    "a { color: #0a58ca; text-decoration: underline; text-underline-offset: 2px; }",
    ".title { font-weight: 600; }",
    ".no { margin-right: 4px; }",
    ".text { margin: 4px 0; }",
    ".also { margin: 4px 0; font-size: 0.92em; color: #555; padding-left: 0.8em; border-left: 2px solid #ddd; }",
    ".meta { margin: 0; color: #57606a; font-size: 13px; }",
    "mark { display: inline; background: #ffe066; color: inherit; padding: 0 1px; border-radius: 2px; }",
    ".more { margin: 8px 0 0; font-size: 14px; }"
  ].join("\n");

  var sharedSheet = null;

  function applyStyles(root) {
    if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
      try {
        if (!sharedSheet) {
          sharedSheet = new CSSStyleSheet();
          sharedSheet.replaceSync(CSS);
        }
        root.adoptedStyleSheets = [sharedSheet];
        return;
      } catch (e) { /* fall through to a <style> element */ }
    }
    root.appendChild(el("style", {}, CSS));
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text != null) node.textContent = text;
    return node;
  }

  /* A clause's highlighted text as a paragraph (plain text when the highlight is not clean). */
  function clauseText(clause, cls) {
    var p = el("p", { "class": cls });
    var fragment = highlightFragment(clause.highlight);
    if (fragment) p.appendChild(fragment);
    else p.textContent = clause.text || "";
    return p;
  }

  /* The API's highlight as a fragment, or null when it holds anything but text and bare <mark>. */
  function highlightFragment(html) {
    if (typeof html !== "string") return null;
    var tpl = document.createElement("template");   // inert: nothing in it loads or runs
    tpl.innerHTML = html;
    var elements = tpl.content.querySelectorAll("*");
    for (var i = 0; i < elements.length; i++) {
      if (elements[i].localName !== "mark" || elements[i].attributes.length) return null;
      if (elements[i].firstElementChild) return null;
    }
    return tpl.content;
  }

  function measureLabel(hit) {
    return hit.article || ("第 " + hit.measure_no + " 项");
  }

  class PolicySearch extends HTMLElement {
    static get observedAttributes() { return ["endpoint", "results", "dept", "placeholder"]; }
  }

  var proto = PolicySearch.prototype;

  proto.connectedCallback = function () {
    if (this._ui) return;
    this._suggestSeq = 0;
    this._searchSeq = 0;
    this._active = -1;
    this._timer = null;
    this._build();
    this._sync();
  };

  proto.disconnectedCallback = function () {
    clearTimeout(this._timer);
    if (this._searchAbort) this._searchAbort.abort();
    if (this._suggestAbort) this._suggestAbort.abort();
  };

  proto.attributeChangedCallback = function () {
    if (this._ui) this._sync();
  };

  /* Settings from attributes, normalised. */
  proto._base = function () {
    var endpoint = (this.getAttribute("endpoint") || "").trim();
    try {
      var url = new URL(endpoint || DEFAULT_BASE, location.href);
      if (!/\/$/.test(url.pathname)) url.pathname += "/";
      url.search = "";
      url.hash = "";
      return url.href;
    } catch (e) {
      return DEFAULT_BASE;
    }
  };
  proto._results = function () {
    var n = parseInt(this.getAttribute("results"), 10);
    return isFinite(n) ? Math.min(Math.max(n, 1), MAX_RESULTS) : DEFAULT_RESULTS;
  };
  proto._dept = function () {
    return (this.getAttribute("dept") || "").trim();
  };
  proto._url = function (path, params) {
    var url = new URL(path, this._base());
    Object.keys(params).forEach(function (key) {
      if (params[key] !== "" && params[key] != null) url.searchParams.set(key, params[key]);
    });
    return url.href;
  };
  proto._docUrl = function (hit, q) {
    var path = "doc/" + String(hit.doc_id).split("/").map(encodeURIComponent).join("/");
    var url = new URL(path, this._base());
    url.searchParams.set("hl", hit.clause_id);
    if (q) url.searchParams.set("q", q);   /* the document view marks the query's words */
    url.hash = encodeURIComponent(hit.clause_id);
    return url.href;
  };

  proto._build = function () {
    var root = this.attachShadow({ mode: "open" });
    applyStyles(root);
    var ui = {};
    ui.wrap = el("div", { "class": "ps", part: "container" });
    ui.form = el("form", { role: "search", "aria-label": "政策条款检索", novalidate: "" });
    ui.label = el("label", { "class": "sr", "for": "q" }, "检索政策条款");
    ui.combo = el("div", { "class": "combo" });
    ui.input = el("input", {
      id: "q", type: "search", name: "q", role: "combobox", autocomplete: "off", spellcheck: "false",
      maxlength: String(MAX_QUERY), "aria-autocomplete": "list", "aria-expanded": "false",
      "aria-controls": "suggestions", part: "input"
    });
    ui.list = el("ul", { id: "suggestions", role: "listbox", "aria-label": "检索建议", hidden: "" });
    ui.button = el("button", { type: "submit", part: "button" }, "检索");
    ui.scope = el("p", { "class": "scope", hidden: "" });
    ui.status = el("p", { "class": "status", role: "status", "aria-live": "polite" });
    ui.hits = el("ol", { "class": "hits", "aria-label": "检索结果" });
    ui.more = el("p", { "class": "more", hidden: "" });
    ui.moreLink = el("a", { target: "_blank", rel: "noopener" }, "查看全部结果");
    ui.more.appendChild(ui.moreLink);

    ui.combo.append(ui.input, ui.list);
    ui.form.append(ui.label, ui.combo, ui.button);
    ui.wrap.append(ui.form, ui.scope, ui.status, ui.hits, ui.more);
    root.appendChild(ui.wrap);
    this._ui = ui;

    var self = this;
    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self._closeList();
      self._search(ui.input.value);
    });
    ui.input.addEventListener("input", function () { self._scheduleSuggest(); });
    ui.input.addEventListener("keydown", function (event) { self._onKey(event); });
    ui.input.addEventListener("blur", function () {
      setTimeout(function () { self._closeList(); }, 0);
    });
    ui.list.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep focus
    ui.list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) self._choose(Number(option.dataset.index));
    });
  };

  proto._sync = function () {
    var ui = this._ui;
    ui.input.placeholder = this.getAttribute("placeholder") || "输入关键词检索政策条款";
    var dept = this._dept();
    ui.scope.hidden = !dept;
    ui.scope.textContent = dept ? "仅检索责任部门：" + dept : "";
  };

  /* ---- suggestions (ARIA combobox with listbox popup) ---- */

  proto._scheduleSuggest = function () {
    var self = this;
    clearTimeout(this._timer);
    this._timer = setTimeout(function () { self._suggest(self._ui.input.value.trim()); }, 150);
  };

  proto._suggest = function (q) {
    var self = this;
    var seq = ++this._suggestSeq;
    if (this._suggestAbort) this._suggestAbort.abort();
    if (!q) { this._renderOptions([]); return; }
    this._suggestAbort = new AbortController();
    fetch(this._url("api/suggest", { q: q }), { signal: this._suggestAbort.signal, credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) {
        if (seq !== self._suggestSeq) return;
        self._renderOptions((data.suggestions || []).filter(function (s) { return s !== q; }));
      })
      .catch(function () { /* suggestions are optional */ });
  };

  proto._renderOptions = function (items) {
    var ui = this._ui;
    ui.list.replaceChildren();
    items.forEach(function (text, i) {
      ui.list.appendChild(el("li", { id: "option-" + i, role: "option", "aria-selected": "false", "data-index": String(i) }, text));
    });
    this._options = items;
    this._active = -1;
    ui.input.removeAttribute("aria-activedescendant");
    if (items.length && this.shadowRoot.activeElement === ui.input) this._openList();
    else this._closeList();
  };

  proto._openList = function () {
    this._ui.list.hidden = false;
    this._ui.input.setAttribute("aria-expanded", "true");
  };

  proto._closeList = function () {
    var ui = this._ui;
    ui.list.hidden = true;
    ui.input.setAttribute("aria-expanded", "false");
    ui.input.removeAttribute("aria-activedescendant");
    this._active = -1;
    Array.prototype.forEach.call(ui.list.children, function (o) { o.setAttribute("aria-selected", "false"); });
  };

  proto._isOpen = function () {
    return !this._ui.list.hidden && this._ui.list.children.length > 0;
  };

  proto._move = function (delta) {
    var options = this._ui.list.children;
    if (!options.length) return;
    if (!this._isOpen()) this._openList();
    var next = this._active + delta;
    if (next < -1) next = options.length - 1;
    if (next >= options.length) next = -1;
    if (this._active >= 0) options[this._active].setAttribute("aria-selected", "false");
    this._active = next;
    if (next >= 0) {
      options[next].setAttribute("aria-selected", "true");
      options[next].scrollIntoView({ block: "nearest" });
      this._ui.input.setAttribute("aria-activedescendant", options[next].id);
    } else {
      this._ui.input.removeAttribute("aria-activedescendant");
    }
  };

  proto._choose = function (index) {
    var text = (this._options || [])[index];
    if (text == null) return;
    this._ui.input.value = text;
    this._closeList();
    this._ui.input.focus();
    this._search(text);
  };

  proto._onKey = function (event) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        this._move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        this._move(-1);
        break;
      case "Enter":
        if (this._isOpen() && this._active >= 0) {
          event.preventDefault();
          this._choose(this._active);
        }
        break;   // otherwise the form submits
      case "Escape":
        if (this._isOpen()) {
          event.preventDefault();
          event.stopPropagation();   // do not also close a dialog the host page may have
          this._closeList();
        }
        break;
      case "Tab":
        this._closeList();
        break;
    }
  };

  /* ---- search and results ---- */

  proto._status = function (text, isError) {
    this._ui.status.textContent = text;
    this._ui.status.classList.toggle("error", !!isError);
  };

  proto._search = function (raw) {
    var self = this;
    var ui = this._ui;
    var q = String(raw || "").trim();
    clearTimeout(this._timer);
    this._suggestSeq++;
    if (!q) {
      this._status("请输入检索词", true);
      ui.input.focus();
      return;
    }
    var seq = ++this._searchSeq;
    if (this._searchAbort) this._searchAbort.abort();
    this._searchAbort = new AbortController();
    var params = { q: q, per_page: this._results(), dept: this._dept() };
    ui.wrap.setAttribute("aria-busy", "true");
    this._status("检索中…");
    fetch(this._url("api/search", params), { signal: this._searchAbort.signal, credentials: "omit" })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) throw new Error(data.error || ("HTTP " + r.status));
          return data;
        });
      })
      .then(function (data) {
        if (seq === self._searchSeq) self._render(data, params);
      })
      .catch(function (err) {
        if (seq !== self._searchSeq || err.name === "AbortError") return;
        ui.hits.replaceChildren();
        ui.more.hidden = true;
        if (!(err instanceof TypeError)) {
          self._status("检索失败：" + err.message, true);
          return;
        }
        /* a network error: the server down, or this page's origin not allowed (CORS). A no-cors
           request succeeds (opaquely) when the server answers, and then CORS is the reason. */
        return fetch(self._url("healthz", {}), { mode: "no-cors", credentials: "omit" }).then(
          function () {
            if (seq !== self._searchSeq) return;
            self._status("检索服务拒绝了本网站（" + location.origin + "）的请求：请管理员把该地址加入检索服务的 " +
                         "POLICY_SEARCH_CORS_ORIGINS 设置（" + self._base() + "）", true);
          },
          function () {
            if (seq === self._searchSeq) self._status("无法连接检索服务：" + self._base(), true);
          });
      })
      .then(function () {
        if (seq === self._searchSeq) ui.wrap.removeAttribute("aria-busy");
      });
  };

  proto._render = function (data, params) {
    var self = this;
    var ui = this._ui;
    var hits = data.hits || [];
    ui.hits.replaceChildren();
    if (!hits.length) {
      this._status("没有找到与“" + params.q + "”相关的条款。请换用其他关键词。");
    } else {
      var note = data.relaxed ? "（含只匹配部分检索词的条款）" : "";
      this._status("共找到 " + data.total + " 条相关条款" + note);
    }
    hits.forEach(function (hit) {
      var li = el("li", { "class": "hit", part: "hit" });
      var title = el("a", { "class": "title", href: self._docUrl(hit, params.q), target: "_blank", rel: "noopener" });
      title.appendChild(el("span", { "class": "no" }, measureLabel(hit)));
      if (hit.measure_title && hit.measure_title !== hit.article) {
        title.appendChild(document.createTextNode(hit.measure_title));
      }
      li.append(title, clauseText(hit, "text"));
      /* the article's other matching sentences (the API's `clauses`), at most two */
      (hit.clauses || []).slice(0, 2).forEach(function (c) { li.appendChild(clauseText(c, "also")); });
      var metaParts = [hit.doc_title];
      if (hit.departments && hit.departments.length) metaParts.push(hit.departments.join("、"));
      li.appendChild(el("p", { "class": "meta" }, metaParts.filter(Boolean).join(" · ")));
      ui.hits.appendChild(li);
    });
    var more = data.total > hits.length;
    ui.more.hidden = !more;
    if (more) ui.moreLink.href = this._url("search", { q: params.q, dept: params.dept });
  };

  customElements.define("policy-search", PolicySearch);
})();
