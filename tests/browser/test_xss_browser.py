"""Every corpus payload, as raw HTML and inside Markdown constructs, on the public post page
in Chromium: with every element hovered, focused and clicked, no script hook fires, no
dialog opens and no request leaves the site. Run with the site's CSP and with CSP
bypassed, so the sanitizer is proven on its own.
"""

import pytest

from cms import create_app
from cms.content import render_markdown
from cms.db import db
from cms.models import Post
from tests.browser.conftest import LiveServer, prepare_instance
from tests.xss_corpus import CONSTRUCTS, all_payloads

BATCH = 120  # payloads per post: the whole corpus fits in about 90 posts
SENTINEL = "xss-sentinel-{}"

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

# Hover, focus, type into and click every element of the post body. Links to allowed
# schemes are followed no further (a visitor may choose to leave); any other activation
# (javascript:, data:) is allowed to happen, so the hooks above would see it.
SWEEP = """
() => {  /* xss-sweep-itself */
  const root = document.querySelector("article.post .prose");
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


def hostile_posts() -> list[dict]:
    """Posts holding every payload in every construct, each followed by a sentinel.

    A payload that swallows what follows it (an unclosed <textarea> or comment) goes last
    in a post, so no other payload is hidden inside it.
    """
    posts = []
    for name, wrap in CONSTRUCTS.items():
        snippets = [wrap(p) for p in all_payloads()]
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


def publish_posts(instance, posts: list[dict]) -> None:
    """Store the posts as published (through the service layer; the Admin API later)."""
    from cms.services import save_post

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "browser-tests"})
    with app.app_context():
        db.connect(reuse_if_open=True)
        for post in posts:
            saved = save_post({"title": post["title"], "body": post["body"], "status": "published"})
            post["url"] = f"/blog/{saved.slug}"
            if post.get("unsanitized_html"):  # the negative control: as if the sanitizer failed
                Post.update(body_html=post["unsanitized_html"]).where(Post.id == saved.id).execute()
    db.close()


# Stored as the body of one post, bypassing the sanitizer, to prove the harness notices.
CONTROL = {
    "title": "Control: unsanitized",
    "body": "control",
    "sentinels": [],
    "unsanitized_html": '<img src="/none.png" onerror="alert(1)">'
    '<a href="javascript:alert(2)">a</a><img src="https://evil.example/pixel.png" alt="">',
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A server of its own whose posts hold the whole corpus (and one control post)."""
    instance = tmp_path_factory.mktemp("hostile-instance")
    prepare_instance(instance)
    posts, control = hostile_posts(), dict(CONTROL)
    publish_posts(instance, [*posts, control])
    server = LiveServer(instance)
    yield server, posts, control
    server.stop()


class Visitor:
    """A Chromium context with the hooks in place that sweeps post pages and keeps score."""

    def __init__(self, browser, server, bypass_csp: bool):
        self.server, self.fired, self.left = server, [], []
        self.title, self.elements, self.links = None, 0, 0
        self.context = browser.new_context(bypass_csp=bypass_csp)
        self.context.add_init_script(HOOKS)
        self.context.route("**/*", self._route)
        self.page = page = self.context.new_page()
        page.on("dialog", lambda d: (self._fire("dialog", d.message), d.dismiss()))
        page.on("console", self._console)
        page.on("popup", lambda popup: self._fire("popup", popup.url))
        page.on("websocket", lambda ws: self.left.append(ws.url))

    def _fire(self, *what) -> None:
        self.fired.append((self.title, *what))

    def _console(self, message) -> None:
        if message.text.startswith("__xss__"):
            self._fire(*(arg.json_value() for arg in message.args[1:]))

    def _route(self, request_route) -> None:
        url = request_route.request.url
        if url.startswith(self.server.url + "/"):
            request_route.continue_()
        else:
            self.left.append(url)
            request_route.abort()

    def sweep(self, post: dict) -> dict:
        """Open the post, interact with every element; what the browser found in its DOM."""
        self.title = post["title"]
        response = self.page.goto(self.server.url + post["url"])
        assert response.status == 200, post["title"]
        result = self.page.evaluate(SWEEP)
        self.page.wait_for_timeout(20)  # let handlers queued by the sweep run
        assert self.page.url == self.server.url + post["url"], f"{post['title']} navigated away"
        self.elements, self.links = self.elements + result["elements"], self.links + result["links"]
        result["headers"] = response.headers
        return result


@pytest.mark.parametrize("csp", ["site CSP", "CSP bypassed"])
def test_hostile_posts_run_nothing_and_load_nothing(browser, hostile_site, csp, report):
    server, posts, _ = hostile_site
    visitor = Visitor(browser, server, bypass_csp=csp == "CSP bypassed")
    try:
        for post in posts:
            result = visitor.sweep(post)
            assert result["dangerous"] == [], post["title"]
            assert result["sentinels"] == post["sentinels"], f"{post['title']}: payload hidden"
    finally:
        visitor.context.close()
    policy = result["headers"].get("content-security-policy", "none sent")
    report(
        f"browser XSS ({csp})",
        f"{sum(p['payloads'] for p in posts)} payload renderings ({len(all_payloads())} payloads"
        f" x {len(CONSTRUCTS)} constructs) in {len(posts)} posts, {visitor.elements} elements "
        f"swept, {visitor.links} safe links held back; Content-Security-Policy: {policy!r}",
    )
    assert visitor.fired == [], visitor.fired[:5]
    assert visitor.left == []


@pytest.mark.parametrize("csp", ["site CSP", "CSP bypassed"])
def test_the_harness_catches_unsanitized_html(browser, hostile_site, csp):
    """Negative control: HTML that skipped the sanitizer is caught by every check."""
    server, _, control = hostile_site
    visitor = Visitor(browser, server, bypass_csp=csp == "CSP bypassed")
    try:
        result = visitor.sweep(control)
    finally:
        visitor.context.close()
    assert (
        "img[onerror]" in result["dangerous"] and "a with javascript: link" in result["dangerous"]
    )
    kinds = {what for _, what, *_ in visitor.fired}
    if csp == "CSP bypassed":
        assert {"alert", "dialog"} <= kinds
        assert visitor.left == ["https://evil.example/pixel.png"]
    else:  # the site's CSP stops the handler, the javascript: link and the image itself
        assert kinds == {"csp-violation"}
