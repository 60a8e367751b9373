/* The Jupyter widget manager (_static/html-manager/embed-amd.js) finds its icon fonts next
 * to the URL that require.js gives its module "@jupyter-widgets/html-manager/dist/…", which
 * by default resolves against the page (book/@jupyter-widgets/… does not exist, the fonts
 * 404). This sets require.js's configuration before require.js loads (a global `require`
 * object is read as its configuration), pointing that module path at the vendored folder
 * next to this file, _static/html-manager/. Added before require.js by book/_ext/readers.py. */
(function () {
  "use strict";
  if (typeof window.require !== "undefined" || !document.currentScript) return;
  var folder = new URL("html-manager", document.currentScript.src).href;
  window.require = {paths: {"@jupyter-widgets/html-manager/dist": folder}};
})();
