// Town-hall questions: a refused up-vote (too many at once, or not possible) still shows
// its message in place of the count, which htmx would otherwise leave unchanged.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  var target = event.detail.target;
  if (status >= 400 && status < 500 && target && target.closest("[data-swap-errors]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
