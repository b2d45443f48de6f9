"""The Content-Security-Policy does its job in Chromium: injected inline code never runs."""

INJECT_SCRIPT = """() => {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation',
    (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
  const script = document.createElement('script');
  script.textContent = 'window.__inlineRan = true;';
  document.body.appendChild(script);
}"""

INJECT_HANDLER_AND_STYLE = """() => {
  const img = document.createElement('img');
  img.setAttribute('src', '/static/favicon.svg?handler');
  img.setAttribute('onload', 'window.__handlerRan = true');
  document.body.appendChild(img);
  const style = document.createElement('style');
  style.textContent = 'body { background: rgb(255, 0, 0) !important; }';
  document.head.appendChild(style);
}"""


def test_inline_script_is_blocked_on_a_real_page(page, site):
    page.goto(site + "/blog/social-media-and-our-therapy-relationship")
    page.evaluate(INJECT_SCRIPT)
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__inlineRan === undefined")
    violations = page.evaluate("window.__violations")
    assert any(v.startswith("script-src") for v in violations), violations


def test_inline_handlers_and_styles_are_blocked(page, site):
    page.goto(site + "/")
    page.evaluate("""() => { window.__violations = [];
      document.addEventListener('securitypolicyviolation',
        (e) => window.__violations.push(e.violatedDirective)); }""")
    page.evaluate(INJECT_HANDLER_AND_STYLE)
    page.wait_for_function("window.__violations.length >= 2")
    assert page.evaluate("window.__handlerRan === undefined")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 0, 0)"
    violations = page.evaluate("window.__violations")
    assert any(v.startswith("style-src") for v in violations), violations


def test_the_site_itself_causes_no_violations(page, site, console_errors):
    page.add_init_script(
        "window.__violations = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    for path in ("/", "/blog/social-media-and-our-therapy-relationship", "/contact", "/search?q=a"):
        page.goto(site + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__violations") == [], path
    assert not [e for e in console_errors if "Content Security Policy" in e]
