"""What browser tests measure on a page: focus rings against what they sit on, and the
size and spacing of touch targets (WCAG 2.2: 2.4.13 and 2.5.8), computed in Chromium."""

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}

# The contrast of the focused element's outline with the first opaque background behind it
# (the parent's for an outline drawn outside the element, its own for one drawn inside).
_RING = """() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const colour = parse(s.outlineColor);
  const behind = parseFloat(s.outlineOffset) >= 0 ? background(el.parentElement) : background(el);
  const [hi, lo] = [lum(colour), lum(behind)].sort((x, y) => y - x);
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    ' "' + (el.innerText || el.value || el.name || '').trim().slice(0, 30) + '"';
  return {name, style: s.outlineStyle, width: parseFloat(s.outlineWidth),
          ratio: (hi + 0.05) / (lo + 0.05), key: el.outerHTML.slice(0, 200)};
}"""

_TARGETS = """() => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  const shown = [...document.querySelectorAll(sel)].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && e.checkVisibility({visibilityProperty: true})
      && !e.closest('[aria-hidden="true"]');
  });
  const boxes = shown.map((e) => e.getBoundingClientRect());
  const small = boxes.map((r) => r.width < 24 || r.height < 24);
  const centre = (r) => [r.left + r.width / 2, r.top + r.height / 2];
  const inSentence = (e) => {
    if (e.tagName !== 'A' || getComputedStyle(e).display !== 'inline') return false;
    const block = e.parentElement.closest('p, li, td, dd, dt, label, figcaption, blockquote');
    return !!block && block.textContent.trim().length > e.textContent.trim().length + 2;
  };
  const spaced = (i) => {  // a 24 px circle on it meets no other target (nor such a circle)
    const [x, y] = centre(boxes[i]);
    return boxes.every((o, j) => {
      if (j === i) return true;
      if (small[j]) { const [u, v] = centre(o); return Math.hypot(x - u, y - v) >= 24; }
      const dx = Math.max(o.left - x, 0, x - o.right), dy = Math.max(o.top - y, 0, y - o.bottom);
      return Math.hypot(dx, dy) >= 12;
    });
  };
  const failing = [];
  shown.forEach((e, i) => {
    if (!small[i] || inSentence(e) || spaced(i)) return;
    const r = boxes[i];
    failing.push(`${e.tagName.toLowerCase()} "${(e.innerText || e.name || e.id || '').trim()
      .slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
  });
  return {count: shown.length, failing};
}"""


def focus_rings(page, limit: int = 250) -> list[dict]:
    """Tab through the page from the top; the ring of each element focused on the way."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    rings, seen = [], set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(_RING)
        if ring is None or ring["key"] in seen:
            break
        seen.add(ring["key"])
        rings.append(ring)
    return rings


def weak_rings(rings: list[dict]) -> list[str]:
    """The rings that are missing, thinner than 2 px or under 3:1 against their background."""
    return [
        f"{r['name']}: {r['style']} {r['width']}px, {r['ratio']:.2f}:1"
        for r in rings
        if r["style"] == "none" or r["width"] < 2 or r["ratio"] < 3
    ]


def small_targets(page) -> dict:
    """{count: targets shown, failing: those under 24x24 px, not in a sentence, too close}."""
    return page.evaluate(_TARGETS)
