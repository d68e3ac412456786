/* "Près de moi": ask the browser for the position and search around it. Without JavaScript (or
   when the position is refused) the same form searches around the postcode or town typed. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-near-me]").forEach(function (form) {
    var button = form.querySelector("[data-locate]");
    var status = form.querySelector("[data-near-status]");
    if (!button || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.waiting || "…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.querySelector("[data-lat]").value = position.coords.latitude.toFixed(4);
          form.querySelector("[data-lon]").value = position.coords.longitude.toFixed(4);
          form.querySelector("input[name=where]").value = "";
          form.submit();
        },
        function () {
          status.textContent = button.dataset.refused || "";
          form.querySelector("input[name=where]").focus();
        },
        { timeout: 10000, maximumAge: 300000 }
      );
    });
  });
})();
