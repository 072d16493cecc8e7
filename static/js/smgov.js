// Small progressive enhancements; every page works without them.
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A saved reply goes in at the cursor of the reply being written, without leaving the page; what was
// typed stays. Without JavaScript the button sends the form and the page comes back with the text added.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-insert-text]");
  if (!button) {
    return;
  }
  const field = document.getElementById(button.getAttribute("data-insert-into"));
  if (!field) {
    return;
  }
  event.preventDefault();
  const text = button.getAttribute("data-insert-text");
  const before = field.value.slice(0, field.selectionStart);
  const gap = before && !before.endsWith("\n") ? "\n\n" : "";
  field.setRangeText(gap + text, field.selectionStart, field.selectionEnd, "end");
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.focus();
});
