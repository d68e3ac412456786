/* The search box's suggestions as a WAI-ARIA combobox (its listbox is swapped in by htmx):
   Down and Up move the active suggestion (aria-activedescendant; the focus stays in the field),
   Enter opens it, Escape closes the list and keeps what was typed; a click opens one as a link.
   Without JavaScript the field is a plain search field and its form submits. */
(function () {
  "use strict";
  document.querySelectorAll("[data-combobox]").forEach(function (box) {
    var field = box.querySelector("[role=combobox]");
    var popup = box.querySelector(".suggestions");
    var status = box.querySelector("[role=status]");
    if (!field || !popup) return;

    function options() {
      return Array.prototype.slice.call(popup.querySelectorAll("[role=option]"));
    }

    function activeOption() {
      var id = field.getAttribute("aria-activedescendant");
      return id ? document.getElementById(id) : null;
    }

    function activate(option) {
      options().forEach(function (each) {
        each.setAttribute("aria-selected", each === option ? "true" : "false");
      });
      if (option) {
        field.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        field.removeAttribute("aria-activedescendant");
      }
    }

    function setOpen(open) {
      popup.hidden = !open;
      field.setAttribute("aria-expanded", open && options().length > 0 ? "true" : "false");
      if (!open) activate(null);
    }

    function move(step) {
      var all = options();
      if (!all.length) return;
      if (popup.hidden) setOpen(true);
      var index = all.indexOf(activeOption());
      if (index === -1) index = step > 0 ? 0 : all.length - 1;
      else index = (index + step + all.length) % all.length;
      activate(all[index]);
    }

    // htmx replaced the suggestions: show them (unless the focus has left the box meanwhile),
    // none active yet, and say how many there are.
    new MutationObserver(function () {
      var list = popup.querySelector("[role=listbox]");
      setOpen(box.contains(document.activeElement));
      activate(null);
      if (status) status.textContent = list ? list.dataset.status || "" : popup.textContent.trim();
    }).observe(popup, { childList: true });

    field.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options().length) return;
        event.preventDefault();
        move(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter") {
        var option = popup.hidden ? null : activeOption();
        if (!option) return; // no active suggestion: the form searches what was typed
        event.preventDefault();
        window.location.assign(option.href);
      } else if (event.key === "Escape") {
        if (popup.hidden || !popup.textContent.trim()) return;
        event.preventDefault(); // a search field would clear what was typed
        setOpen(false);
      }
    });

    // The list closes when the focus leaves the box (a click on a suggestion stays inside it).
    box.addEventListener("focusout", function (event) {
      if (!box.contains(event.relatedTarget)) setOpen(false);
    });
    field.addEventListener("focus", function () {
      if (popup.hidden && popup.textContent.trim()) setOpen(true);
    });
  });
})();
