/* Search ranking of the course book (Sphinx's html_search_scorer, set by book/_ext/readers.py).
 * Sphinx's defaults, except that a match in a page's or a section's title weighs much more
 * than a match in the text, and a page whose own title contains every word searched for
 * comes first: "gradient check" finds "Gradient checking in depth" before the many pages
 * that mention gradients. */
var Scorer = {
  score: function (result) {
    var title = String(result[1] || "").toLowerCase();
    var page = title.split(" > ")[0];
    var params = new URLSearchParams(window.location.search);
    var words = String(params.get("q") || "").toLowerCase().split(/\s+/).filter(function (w) {
      return w.length > 1;
    });
    var score = result[4];
    if (words.length) {
      // a word matches a title word that starts with it ("check" matches "checking")
      var titleWords = page.split(/[^a-z0-9]+/);
      var all = words.every(function (w) {
        return titleWords.some(function (t) { return t.indexOf(w) === 0 || w.indexOf(t) === 0 && t.length > 3; });
      });
      if (all) score += result[2] ? 20 : 40;  // a section of the page, or the page itself
    }
    return score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: {0: 15, 1: 5, 2: -5},
  objPrioDefault: 0,
  title: 30,
  partialTitle: 12,
  term: 5,
  partialTerm: 2
};
