"""The browser XSS harness: script hooks, the sweep, the hostile posts and a visitor.

Shared by the public and editor-preview tests in test_xss_browser.py.
"""

import json
import urllib.error
import urllib.request

from cms.content.render import render_markdown
from cms.core.validation import multi_line
from tests.helpers.browser import sign_in
from tests.helpers.xss_corpus import CONSTRUCTS, all_payloads

BATCH = 120  # payloads per post: the whole corpus fits in about 130 posts
SENTINEL = "xss-sentinel-{}"
PUBLIC_BODY = "article.post .prose"  # the post body on the public page and draft preview
LIVE_BODY = "#preview-body"  # the editor's live preview
OWN_FETCH = ("fetch", "/admin/preview")  # the editor asking for its live preview

# Installed before any page script: report every way script could run or reach out.
HOOKS = """
(() => {
  // Reported through the console: a Playwright binding would itself call eval.
  const log = console.debug.bind(console);
  const report = (what, detail) => log("__xss__", what, String(detail).slice(0, 300));
  const wrap = (owner, name) => {
    const original = owner[name];
    if (typeof original !== "function") return;
    owner[name] = new Proxy(original, {
      apply(target, self, args) {
        // Playwright runs the sweep below through eval: that one is ours.
        const ours = name === "eval" && String(args[0]).includes("xss-sweep-itself");
        if (!ours) report(name, args[0]);
        return Reflect.apply(target, self, args);
      },
      construct(target, args) { report(name, args[0]); return Reflect.construct(target, args); },
    });
  };
  for (const name of ["alert", "confirm", "prompt", "print", "open", "eval", "Function",
                      "fetch", "XMLHttpRequest", "WebSocket", "EventSource", "Worker",
                      "SharedWorker"]) wrap(window, name);
  Function.prototype.constructor = window.Function;
  wrap(navigator, "sendBeacon");
  wrap(document, "write");
  wrap(document, "writeln");
  for (const name of ["setTimeout", "setInterval"]) {
    const original = window[name];
    window[name] = function (code, ...rest) {
      if (typeof code === "string") report(name, code);
      return original.call(this, code, ...rest);
    };
  }
  document.addEventListener("securitypolicyviolation",
    (e) => report("csp-violation", e.violatedDirective + " " + e.blockedURI), true);
})();
"""

# Hover, focus, type into and click every element under the selector (a post body).
# Links to allowed schemes are followed no further (a visitor may choose to leave); any
# other activation (javascript:, data:) is allowed to happen, so the hooks above see it.
SWEEP = """
(selector) => {  /* xss-sweep-itself */
  const root = document.querySelector(selector);
  const allowed = new Set(["http:", "https:", "mailto:", "tel:"]);
  const events = ["pointerover", "pointerenter", "mouseover", "mouseenter", "mousemove",
    "pointerdown", "mousedown", "pointerup", "mouseup", "focusin", "keydown", "keypress",
    "keyup", "input", "change", "dblclick", "contextmenu", "wheel", "copy", "paste",
    "drag", "dragstart", "drop", "mouseleave", "mouseout", "focusout", "animationstart",
    "transitionend", "toggle", "scroll", "error", "load"];
  let links = 0;
  for (const el of [root, ...root.querySelectorAll("*")]) {
    el.scrollIntoView();
    for (const type of events) el.dispatchEvent(new Event(type, {bubbles: true}));
    if (typeof el.focus === "function") { el.tabIndex = el.tabIndex; el.focus(); el.blur(); }
    if (el.closest("a[href]") && allowed.has(el.closest("a[href]").protocol)) {
      el.addEventListener("click", (e) => e.preventDefault(), {once: true});
      links++;
    }
    el.click();
  }
  const dangerous = [...root.querySelectorAll("*")].flatMap((el) => {
    const found = [];
    const tag = el.localName;
    if (el.namespaceURI !== "http://www.w3.org/1999/xhtml") found.push(`foreign <${tag}>`);
    if (["script", "style", "iframe", "object", "embed", "form", "input", "button",
         "textarea", "select", "base", "link", "meta", "frame", "template"].includes(tag))
      found.push(`<${tag}>`);
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on") || attr.name === "style") found.push(`${tag}[${attr.name}]`);
    }
    if (tag === "a" && el.hasAttribute("href") && !allowed.has(el.protocol))
      found.push(`a with ${el.protocol} link`);
    if (tag === "img" && el.currentSrc && new URL(el.currentSrc).origin !== location.origin)
      found.push(`img from ${el.currentSrc}`);
    return found;
  });
  // A sentinel counts when an element holds exactly it: not swallowed into escaped text.
  const sentinels = [...new Set([...root.querySelectorAll("*")]
    .map((el) => el.textContent.trim()).filter((text) => /^xss-sentinel-\\d+$/.test(text)))];
  return {elements: root.querySelectorAll("*").length, links, dangerous, sentinels};
}
"""


def _stays_open(markdown: str) -> bool:
    """True when text after this Markdown still renders as HTML (nothing swallows it).

    Swallowed text comes out escaped (&gt;sentinel&lt;) or not at all; the browser test
    checks every sentinel again in the DOM, so a wrong guess here fails loudly.
    """
    return ">xss-sentinel-probe<" in render_markdown(markdown + "\n\nxss-sentinel-probe\n")


def refused_by_the_text_rule(payload: str) -> bool:
    """True for a payload holding a control character: no door stores it as typed."""
    errors: dict = {}
    multi_line(payload, "body", errors, strip=False)
    return bool(errors)


def as_stored(payload: str) -> str:
    """The payload as the site could hold it: control characters removed, as the text rule
    does for text kept from before it (the rest is refused at every door, tested apart)."""
    return multi_line(payload, "body", {}, strip=False, refuse=False)


def hostile_posts() -> list[dict]:
    """Posts holding every payload in every construct, each followed by a sentinel.

    A payload that swallows what follows it (an unclosed <textarea> or comment) goes last
    in a post, so no other payload is hidden inside it.
    """
    posts = []
    for name, wrap in CONSTRUCTS.items():
        snippets = [wrap(as_stored(p)) for p in all_payloads()]
        open_ones = [s for s in snippets if _stays_open(s)]
        swallowing = [s for s in snippets if s not in frozenset(open_ones)]
        for start in range(0, max(len(open_ones), len(swallowing) * BATCH), BATCH):
            batch = open_ones[start : start + BATCH]
            parts, sentinels = [], []
            for snippet in batch:
                sentinels.append(SENTINEL.format(len(sentinels)))
                parts += [snippet, sentinels[-1]]
            if swallowing:
                parts.append(swallowing.pop())
            if parts:
                title = f"Hostile {name} {start // BATCH}"
                posts.append({"title": title, "body": "\n\n".join(parts), "sentinels": sentinels,
                              "payloads": len(batch) + (len(parts) > 2 * len(batch))})  # fmt: skip
    return posts


def _create(site: str, token: str, title: str, body: str):
    request = urllib.request.Request(
        f"{site}/api/v1/admin/posts",
        data=json.dumps({"title": title, "body": body, "status": "published"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    return urllib.request.urlopen(request, timeout=30)  # noqa: S310


def publish_through_api(site: str, token: str, posts: list[dict]) -> None:
    """Create each post, published, with the Admin API; note its id and public path."""
    for post in posts:
        with _create(site, token, post["title"], post["body"]) as response:
            assert response.status == 201, post["title"]
            saved = json.load(response)
        post.update(id=saved["id"], url=f"/blog/{saved['slug']}")


def refused_through_api(site: str, token: str) -> int:
    """Send each payload holding a control character as it is: every one must be refused
    with the text rule's message. Returns how many were tried."""
    raw = [p for p in all_payloads() if refused_by_the_text_rule(p)]
    for number, payload in enumerate(raw):
        try:
            _create(site, token, f"Refused {number}", payload).close()
        except urllib.error.HTTPError as refused:
            message = json.load(refused)
            assert refused.code == 422 and "control character" in json.dumps(message), message
        else:
            raise AssertionError(f"stored as typed: {payload!r}")
    return len(raw)


class Visitor:
    """A Chromium context with the hooks in place that sweeps pages and keeps score."""

    def __init__(self, browser, server, bypass_csp: bool, signed_in: bool = False):
        self.server, self.fired, self.left = server, [], []
        self.title, self.elements, self.links, self.own_fetches = None, 0, 0, 0
        self.context = browser.new_context(bypass_csp=bypass_csp)
        self.context.add_init_script(HOOKS)
        self.context.route("**/*", self._route)
        self.page = page = self.context.new_page()
        page.on("dialog", lambda d: (self._fire("dialog", d.message), d.dismiss()))
        page.on("console", self._console)
        page.on("popup", lambda popup: self._fire("popup", popup.url))
        page.on("websocket", lambda ws: self.left.append(ws.url))
        if signed_in:
            sign_in(page, server.url)

    def _fire(self, *what) -> None:
        self.fired.append((self.title, *what))

    def _console(self, message) -> None:
        if message.text.startswith("__xss__"):
            what = tuple(arg.json_value() for arg in message.args[1:])
            if what == OWN_FETCH:  # counted instead: the test expects one per editor page
                self.own_fetches += 1
            else:
                self._fire(*what)

    def _route(self, request_route) -> None:
        url = request_route.request.url
        if url.startswith(self.server.url + "/"):
            request_route.continue_()
        else:
            self.left.append(url)
            request_route.abort()

    def sweep(self, title: str, path: str, body: str = PUBLIC_BODY) -> dict:
        """Open the page, interact with every element of its body; what the DOM held."""
        self.title = title
        response = self.page.goto(self.server.url + path)
        assert response.status == 200, title
        if body == LIVE_BODY:  # the hint goes when the editor's preview request is answered
            self.page.locator(f"{LIVE_BODY} > p.hint").wait_for(state="detached", timeout=15_000)
        result = self.page.evaluate(SWEEP, body)
        self.page.wait_for_timeout(20)  # let handlers queued by the sweep run
        assert self.page.url == self.server.url + path, f"{title} navigated away"
        self.elements, self.links = self.elements + result["elements"], self.links + result["links"]
        result["headers"] = response.headers
        return result

    def close(self) -> None:
        self.context.close()
