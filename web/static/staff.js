// rightsdesk staff pages: keyboard shortcuts for the inbox. Every page
// works without this file; it only adds keys.
(function () {
  "use strict";
  var rows = function () { return Array.prototype.slice.call(document.querySelectorAll("#tasks tbody tr")); };
  var current = -1;
  function select(i) {
    var list = rows();
    if (!list.length) return;
    current = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (r, j) { r.classList.toggle("current", j === current); });
    var link = list[current].querySelector("a.open");
    if (link) link.focus();
  }
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    var help = document.getElementById("help");
    switch (e.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "o": case "Enter":
        if (current < 0 || e.key === "Enter" && document.activeElement && document.activeElement.tagName === "A") return;
        var link = rows()[current].querySelector("a.open"); if (link) link.click(); break;
      case "c":
        if (current < 0) return;
        var claim = rows()[current].querySelector("button.claim"); if (claim) claim.click(); break;
      case "x":
        if (current < 0) return;
        var box = rows()[current].querySelector("input[type=checkbox]"); if (box) box.checked = !box.checked; break;
      case "?":
        if (help) { help.open = !help.open; if (help.open) help.querySelector("summary").focus(); } break;
      case "Escape":
        if (help && help.open) { help.open = false; } return;
      default: return;
    }
    e.preventDefault();
  });
})();
