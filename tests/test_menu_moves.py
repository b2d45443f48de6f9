"""The header menu's order changes with Up and Down buttons (plain form posts), not typed
numbers."""

import re

from cms.site.models import NavItem


def _form(html: str) -> dict:
    """The menu form as the browser sends it (text boxes, choices, hidden fields)."""
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option value="([^"]*)" selected', body
        )
        data[name] = chosen[1] if chosen else ""
    return {k: v for k, v in data.items() if not k.endswith("-remove")}


def _labels(app) -> list[str]:
    with app.app_context():
        return [item.label for item in NavItem.menu()]


def test_up_and_down_move_an_item_and_save(client, auth, app):
    auth.login()
    before = _labels(app)
    assert len(before) >= 3
    html = client.get("/admin/menu").text
    assert (
        'name="items-0-position" type="hidden"' in html
        or 'type="hidden" name="items-0-position"' in html
    )
    assert f'aria-label="Move “{before[1]}” up"' in html
    assert f'aria-label="Move “{before[0]}” up"' not in html  # the first has no Up
    assert f'aria-label="Move “{before[-1]}” down"' not in html  # the last has no Down
    moved = client.post("/admin/menu", data={**_form(html), "move": "2:up"}, follow_redirects=True)
    assert f"“{before[1]}” is now number 1 in the menu" in moved.text
    assert _labels(app) == [before[1], before[0], *before[2:]]
    html = client.get("/admin/menu").text
    client.post("/admin/menu", data={**_form(html), "move": "1:down"})
    assert _labels(app) == before


def test_moving_past_either_end_changes_nothing(client, auth, app):
    auth.login()
    before = _labels(app)
    html = client.get("/admin/menu").text
    client.post("/admin/menu", data={**_form(html), "move": "1:up"})
    client.post("/admin/menu", data={**_form(html), "move": f"{len(before)}:down"})
    client.post("/admin/menu", data={**_form(html), "move": "x:sideways"})
    assert _labels(app) == before
