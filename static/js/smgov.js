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

// A counter under each limited text field, counted the way the platform counts (the server checks
// the same): code points, user-perceived characters (graphemes), or Mastodon's way (a link is 23).
(() => {
  const segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter() : null;
  const counters = {
    characters: (text) => [...text].length,
    graphemes: (text) => (segmenter ? [...segmenter.segment(text)].length : [...text].length),
    mastodon: (text) =>
      [...text.replace(/https?:\/\/[^\s<>"]+/gi, "x".repeat(23)).replace(/@(\w+)@[\w.-]+\w/g, "@$1")].length,
  };
  const meta = document.querySelector("meta[name=smgov-counter-text]");
  const template = (meta && meta.getAttribute("content")) || "{used} / {limit}";
  document.querySelectorAll("textarea[data-reply-limit], textarea[maxlength], input[type=text][maxlength]").forEach((field) => {
    const limit = Number(field.getAttribute("data-reply-limit") || field.getAttribute("maxlength"));
    const count = counters[field.getAttribute("data-reply-count") || "characters"] || counters.characters;
    const suffix = field.getAttribute("data-signature") || "";
    const output = document.createElement("p");
    output.className = "help counter";
    output.id = `${field.id}_counter`;
    output.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", output);
    const described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", described ? `${described} ${output.id}` : output.id);
    const update = () => {
      const used = count(field.value + suffix);
      output.textContent = template.replace("{used}", used).replace("{limit}", limit);
      output.classList.toggle("counter--over", used > limit);
    };
    field.addEventListener("input", update);
    update();
  });
})();
