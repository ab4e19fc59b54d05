// imgeda-ci report: renders the charts (Vega, SVG) and the table of all images.
// Everything from the data is written with textContent, never as HTML.
(function () {
  "use strict";
  var doc = document.documentElement;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var printing = false;

  // ---- charts -------------------------------------------------------------------------------
  function themeConfig(dark) {
    var fg = dark ? "#e4e8ee" : "#1f2328";
    var muted = dark ? "#98a2ad" : "#5f6873";
    var grid = dark ? "#2c333c" : "#e6e9ed";
    return {
      background: null,
      axis: {
        labelColor: muted, titleColor: fg, gridColor: grid, domainColor: grid, tickColor: grid,
        labelFontSize: 11, titleFontSize: 11, titleFontWeight: 600
      },
      legend: { labelColor: fg, titleColor: fg },
      title: { color: fg, subtitleColor: muted },
      view: { stroke: null }
    };
  }

  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  var views = [];

  function renderCharts() {
    var dark = !printing && !!(darkQuery && darkQuery.matches);
    views.forEach(function (v) { v.finalize(); });
    views = [];
    var nodes = Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
    return Promise.all(nodes.map(function (el) {
      var spec = specs[el.getAttribute("data-chart")];
      el.textContent = "";
      return vegaEmbed(el, spec, {
        renderer: "svg", actions: false, config: themeConfig(dark),
        tooltip: { theme: dark ? "dark" : "light" }
      }).then(function (result) {
        views.push(result);
        el.setAttribute("data-rendered", "1");
      }).catch(function (err) {
        el.textContent = "This chart could not be drawn: " + err;
        console.error(err);
      });
    }));
  }

  // ---- table --------------------------------------------------------------------------------
  var T = null;            // the decoded table
  var view = [];           // row indices after filtering and sorting
  var sortKey = null, sortDir = 1, page = 0, pageSize = 50;
  var lowerPaths = null;
  var columns = [];

  function fmtBytes(b) {
    if (b === null || b === undefined) return "";
    if (b < 1024) return b + " B";
    if (b < 1048576) return (b / 1024).toFixed(1) + " KB";
    return (b / 1048576).toFixed(1) + " MB";
  }
  function num(v) { return v === null || v === undefined ? "" : String(v); }
  function cat(list) { return function (i) { return i < 0 ? "" : list[i]; }; }

  function setupColumns() {
    var c = T.cols;
    columns = [
      { key: "p", label: "path", cls: "path", text: function (i) { return c.p[i]; }, sort: function (i) { return c.p[i]; } },
      { key: "s", label: "split", text: function (i) { return cat(T.splits)(c.s[i]); }, sort: function (i) { return cat(T.splits)(c.s[i]); } },
      { key: "f", label: "format", text: function (i) { return cat(T.formats)(c.f[i]); }, sort: function (i) { return cat(T.formats)(c.f[i]); } },
      { key: "wh", label: "size", num: true, text: function (i) { return c.w[i] && c.h[i] ? c.w[i] + "×" + c.h[i] : ""; }, sort: function (i) { return c.w[i] && c.h[i] ? c.w[i] * c.h[i] : null; } },
      { key: "b", label: "bytes", num: true, text: function (i) { return fmtBytes(c.b[i]); }, sort: function (i) { return c.b[i]; } },
      { key: "l", label: "luma", num: true, text: function (i) { return num(c.l[i]); }, sort: function (i) { return c.l[i]; } },
      { key: "c", label: "contrast", num: true, text: function (i) { return num(c.c[i]); }, sort: function (i) { return c.c[i]; } },
      { key: "sh", label: "sharpness", num: true, text: function (i) { return num(c.sh[i]); }, sort: function (i) { return c.sh[i]; } },
      { key: "q", label: "quality", num: true, text: function (i) { return c.q[i] === null ? "" : c.q[i].toFixed(2); }, sort: function (i) { return c.q[i]; } }
    ];
    if (c.n) columns.push({ key: "n", label: "objects", num: true, text: function (i) { return num(c.n[i]); }, sort: function (i) { return c.n[i]; } });
    if (c.d) columns.push({ key: "d", label: "change", text: function (i) { return T.changes[c.d[i]] || ""; }, sort: function (i) { return c.d[i]; } });
    columns.push({ key: "k", label: "findings", cls: "flags", text: flagText, sort: function (i) { return c.k[i].length + (c.e[i] >= 0 ? 100 : 0); } });
  }

  function flagText(i) {
    var c = T.cols, parts = [];
    if (c.e[i] >= 0) parts.push(T.errors[c.e[i]]);
    for (var j = 0; j < c.k[i].length; j++) {
      var name = T.checks[c.k[i][j]];
      if (parts.indexOf(name) < 0) parts.push(name);
    }
    return parts.join(", ");
  }

  function matches(i, tokens) {
    var c = T.cols;
    for (var t = 0; t < tokens.length; t++) {
      var tok = tokens[t], colon = tok.indexOf(":"), ok;
      var key = colon > 0 ? tok.slice(0, colon) : "", val = colon > 0 ? tok.slice(colon + 1) : tok;
      if (key === "check") {
        ok = c.k[i].some(function (k) { return T.checks[k].toLowerCase().indexOf(val) >= 0; });
      } else if (key === "split") {
        ok = c.s[i] >= 0 && T.splits[c.s[i]].toLowerCase() === val;
      } else if (key === "format") {
        ok = c.f[i] >= 0 && T.formats[c.f[i]].toLowerCase() === val;
      } else if (key === "error") {
        ok = c.e[i] >= 0 && T.errors[c.e[i]].toLowerCase().indexOf(val) >= 0;
      } else if (key === "change" && c.d) {
        ok = c.d[i] > 0 && T.changes[c.d[i]].indexOf(val) === 0;
      } else {
        ok = lowerPaths[i].indexOf(tok) >= 0;
      }
      if (!ok) return false;
    }
    return true;
  }

  function applyFilter() {
    var q = document.getElementById("q").value.trim().toLowerCase();
    var tokens = q ? q.split(/\s+/) : [];
    var flaggedOnly = document.getElementById("flagged-only").checked;
    var c = T.cols, out = [];
    for (var i = 0; i < T.rows; i++) {
      if (flaggedOnly && c.k[i].length === 0 && c.e[i] < 0) continue;
      if (tokens.length && !matches(i, tokens)) continue;
      out.push(i);
    }
    view = out;
    applySort();
  }

  function applySort() {
    if (sortKey !== null) {
      var col = columns.filter(function (x) { return x.key === sortKey; })[0];
      var keys = new Array(T.rows);
      view.forEach(function (i) { keys[i] = col.sort(i); });
      view.sort(function (a, b) {
        var x = keys[a], y = keys[b];
        if (x === y) return a - b;
        if (x === null || x === undefined || x === "") return 1;   // empty last, both ways
        if (y === null || y === undefined || y === "") return -1;
        return (x < y ? -1 : 1) * sortDir;
      });
    }
    page = 0;
    draw();
  }

  function draw() {
    var table = document.getElementById("image-table");
    var body = document.createElement("tbody");
    var pages = Math.max(1, Math.ceil(view.length / pageSize));
    if (page >= pages) page = pages - 1;
    var start = page * pageSize, end = Math.min(view.length, start + pageSize);
    for (var r = start; r < end; r++) {
      var i = view[r], tr = document.createElement("tr");
      for (var k = 0; k < columns.length; k++) {
        var td = document.createElement("td");
        if (columns[k].cls) td.className = columns[k].cls;
        else if (columns[k].num) td.className = "num";
        td.textContent = columns[k].text(i);
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    if (end === start) {
      var tr0 = document.createElement("tr"), td0 = document.createElement("td");
      td0.colSpan = columns.length; td0.className = "muted"; td0.textContent = "No image matches.";
      tr0.appendChild(td0); body.appendChild(tr0);
    }
    table.replaceChild(body, table.tBodies[0]);
    document.getElementById("count").textContent =
      view.length.toLocaleString("en") + " of " + T.rows.toLocaleString("en") + " images";
    document.getElementById("page").textContent = "page " + (page + 1) + " of " + pages;
    document.getElementById("prev").disabled = page === 0;
    document.getElementById("next").disabled = page >= pages - 1;
  }

  function buildHeader() {
    var row = document.querySelector("#image-table thead tr");
    row.textContent = "";
    columns.forEach(function (col) {
      var th = document.createElement("th");
      th.textContent = col.label;
      th.scope = "col";
      th.tabIndex = 0;
      if (col.num) th.className = "num";
      function activate() {
        if (sortKey === col.key) sortDir = -sortDir; else { sortKey = col.key; sortDir = col.num ? -1 : 1; }
        Array.prototype.forEach.call(row.children, function (x) { x.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
        applySort();
      }
      th.addEventListener("click", activate);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); activate(); } });
      row.appendChild(th);
    });
  }

  function decodeTable() {
    var el = document.getElementById("table-data");
    var bin = atob(el.textContent.trim());
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser cannot decompress the table (DecompressionStream)"));
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  function loadTable() {
    return decodeTable().then(function (t) {
      T = t;
      lowerPaths = T.cols.p.map(function (p) { return p.toLowerCase(); });
      setupColumns();
      buildHeader();
      view = [];
      for (var i = 0; i < T.rows; i++) view.push(i);
      draw();
      var timer = null;
      document.getElementById("q").addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(applyFilter, T.rows > 20000 ? 150 : 40);
      });
      document.getElementById("flagged-only").addEventListener("change", applyFilter);
      document.getElementById("prev").addEventListener("click", function () { page--; draw(); });
      document.getElementById("next").addEventListener("click", function () { page++; draw(); });
      document.getElementById("page-size").addEventListener("change", function (e) {
        pageSize = parseInt(e.target.value, 10) || 50; page = 0; draw();
      });
      document.getElementById("image-table").setAttribute("data-ready", "1");
    }).catch(function (err) {
      var body = document.querySelector("#image-table tbody");
      body.textContent = "";
      var tr = document.createElement("tr"), td = document.createElement("td");
      td.textContent = "The table could not be loaded: " + err.message;
      tr.appendChild(td); body.appendChild(tr);
      console.warn(err);
    });
  }

  // "Show all in the table" buttons of the gallery
  document.addEventListener("click", function (e) {
    var btn = e.target.closest ? e.target.closest("[data-search]") : null;
    if (!btn || !T) return;
    var input = document.getElementById("q");
    input.value = btn.getAttribute("data-search");
    applyFilter();
    document.getElementById("images").scrollIntoView();
  });

  // print in light colours, with every <details> open
  window.addEventListener("beforeprint", function () {
    printing = true;
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
    renderCharts();
  });
  window.addEventListener("afterprint", function () { printing = false; renderCharts(); });
  if (darkQuery && darkQuery.addEventListener) darkQuery.addEventListener("change", renderCharts);

  Promise.all([renderCharts(), loadTable()]).then(function () {
    doc.setAttribute("data-ready-ms", String(Math.round(performance.now())));
    doc.setAttribute("data-ready", "1");
  });
})();
