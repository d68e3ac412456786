// The merchants' back office: the picking list's print button (no inline scripts: CSP).
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target && target.closest && target.closest("[data-print]")) {
    window.print();
  }
});
