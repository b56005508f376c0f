// What the accessibility browser tests measure on a page, in the page itself (no library but axe-core).
() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  // A link inside a sentence is exempt from the target size (WCAG 2.2, 2.5.8 "inline").
  const inline = (el) => el.tagName === "A" && getComputedStyle(el).display === "inline" && el.closest("p, td, dd");
  const name = (el) => (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "").trim().slice(0, 30);
  const controls = [...document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary")].filter(visible);
  const tiny = controls.filter((el) => !inline(el)).map((el) => [el, el.getBoundingClientRect()])
    .filter(([, r]) => r.width < 24 || r.height < 24).map(([el, r]) => `${el.tagName} ${name(el)} ${Math.round(r.width)}×${Math.round(r.height)}`);
  const low = (els) => els.filter(visible).map((el) => [el, el.getBoundingClientRect()])
    .filter(([, r]) => r.height < 44 - 0.5).map(([el, r]) => `${el.tagName} ${name(el)} ${Math.round(r.height)}`);
  const header = low([...document.querySelectorAll(".topbar a, .topbar button")]);
  const rows = low([...document.querySelectorAll(".list li, .work-list li, .tree li")].filter((li) => li.querySelector("a, button")));
  const chars = {};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !visible(el) || el.closest(".skip")) continue;
    const size = Math.round(parseFloat(getComputedStyle(el).fontSize) * 10) / 10;
    chars[size] = (chars[size] || 0) + text.length;
  }
  const total = Object.values(chars).reduce((a, b) => a + b, 0) || 1;
  const mostUsed = Number(Object.entries(chars).sort((a, b) => b[1] - a[1])[0]?.[0] || 0);
  const under14 = Object.entries(chars).filter(([s]) => Number(s) < 14).reduce((a, [, c]) => a + c, 0) / total;
  const transferred = performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
    .reduce((sum, e) => sum + (e.transferSize || 0), 0);
  return {
    tiny, header, rows, mostUsed, under14,
    sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
    transferred,
    htmx: !!document.querySelector("script[src*='htmx']"),
  };
}
