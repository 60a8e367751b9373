/* The course book on every screen (book/_ext/readers.py adds this file to every page).
 *
 * Display equations that are wider than the text column scroll inside their own box: each
 * gets the class nnbook-scroll; one that overflows also gets is-overflowing (a visible
 * scrollbar and a fading edge, see nnbook.css), tabindex=0 so that the keyboard can scroll
 * it, and a label. In print, an equation still too wide for the paper is scaled down. */
(function () {
  "use strict";

  function equations() {
    return Array.from(document.querySelectorAll('mjx-container[display="true"]'));
  }

  function mark(box) {
    box.classList.add("nnbook-scroll");
    var over = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("is-overflowing", over);
    box.classList.toggle("at-end", over && box.scrollLeft + box.clientWidth >= box.scrollWidth - 1);
    if (over) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "Equation (scrolls sideways)");
    } else if (box.getAttribute("role") === "region") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }

  function markAll() {
    equations().forEach(mark);
  }

  function onScroll(event) {
    var box = event.target;
    if (box.classList && box.classList.contains("nnbook-scroll")) mark(box);
  }

  // Print: scale each equation still wider than the paper's column to fit.
  function fitForPrint(printing) {
    equations().forEach(function (eq) {
      eq.style.zoom = "";
      if (printing && eq.scrollWidth > eq.clientWidth + 1) {
        eq.style.zoom = String(Math.max(0.5, eq.clientWidth / eq.scrollWidth));
      }
    });
  }

  function start() {
    markAll();
    document.addEventListener("scroll", onScroll, true);
    window.addEventListener("resize", markAll);
    window.addEventListener("beforeprint", function () { fitForPrint(true); });
    window.addEventListener("afterprint", function () { fitForPrint(false); markAll(); });
    var print = window.matchMedia("print");
    if (print.addEventListener) print.addEventListener("change", function (e) { fitForPrint(e.matches); });
  }

  function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(start);
    } else if (document.querySelector(".math")) {
      // MathJax not loaded yet: try again shortly.
      setTimeout(whenTypeset, 100);
    } else {
      start();
    }
  }

  // docutils writes the references as role="list" whose entries have role="doc-biblioentry",
  // which a list may not hold (axe: aria-required-children): the entries become list items.
  function fixCitationLists() {
    document.querySelectorAll('.citation-list[role="list"] > [role="doc-biblioentry"]').forEach(function (entry) {
      entry.setAttribute("role", "listitem");
    });
  }

  function ready() {
    fixCitationLists();
    whenTypeset();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
