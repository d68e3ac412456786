/* An htmx request that the server refused or could not answer swaps nothing (htmx leaves the
   page as it was): say so where the page gives its other news, #messages (role=status), in the
   page's language (the texts are the data-* of #messages). Without JavaScript the forms post
   and the server's own page answers. */
(function () {
  "use strict";
  function say(text) {
    var box = document.getElementById("messages");
    if (!box || !text) return;
    var list = document.createElement("ul");
    var item = document.createElement("li");
    list.className = "messages";
    item.className = "error";
    item.textContent = text;
    list.appendChild(item);
    box.replaceChildren(list);
  }
  function texts() {
    var box = document.getElementById("messages");
    return box ? box.dataset : {};
  }
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var known = texts();
    say(status === 409 ? known.conflict : status === 429 ? known.tooMany : known.failed);
  });
  document.body.addEventListener("htmx:sendError", function () {
    say(texts().unreachable);
  });
})();
