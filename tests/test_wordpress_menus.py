"""Moving in from WordPress: the header menu (chosen, flattened, only what is public, within
the menu's limits, never over a menu arranged here) and the social image of a post."""

import re
from datetime import datetime
from pathlib import Path

import pytest

from cms.accounts.actors import SYSTEM
from cms.accounts.users import create_user
from cms.content.models import Page, Post
from cms.core.db import db
from cms.ops.imports import Summary
from cms.ops.wordpress.importer import import_wordpress
from cms.ops.wordpress.menus import Menus
from cms.ops.wordpress.wxr import Export, Item
from cms.site.menu import save_menu
from cms.site.models import NavItem

DATA = Path(__file__).parent / "data" / "wordpress"
MENUS = str(DATA / "menus.xml")
UPLOADS = str(DATA / "therapist-uploads")
PROFILE = "My profile in the directory of registered psychotherapists\u2026"
IMPORTED = [
    ("Home", "home", ""),
    ("About", "page:about", ""),
    ("Fees", "page:fees", ""),
    ("Anxiety & Panic", "url", "/category/anxiety-panic"),
    ("Breathing through panic", "url", "/blog/breathing-through-panic"),
    (PROFILE, "url", "https://directory.example/therapists/jane"),
]
STARTING = [("Home", "home", ""), ("Blog", "blog", ""), ("Contact", "contact", "")]


@pytest.fixture
def site(empty_app):
    with empty_app.app_context():
        db.connect(reuse_if_open=True)
        create_user("jane@example.org", "correct horse battery", "admin", "Dr Jane", actor=SYSTEM)
        yield empty_app


def menu() -> list[tuple[str, str, str]]:
    """The header menu here, pages by their slug."""
    return [
        (i.label, f"page:{i.page.slug}" if i.target == "page" else i.target, i.url)
        for i in NavItem.menu()
    ]


def test_a_new_sites_menu_becomes_the_wordpress_menu_in_its_order(site):
    assert menu() == STARTING  # what a new site starts with
    summary = import_wordpress(MENUS, UPLOADS)
    assert menu() == IMPORTED
    assert summary.imported["menu items"] == 6
    assert "Header menu, from the WordPress menu 'Main menu':" in summary.lines()
    assert "  4. Anxiety & Panic -> /category/anxiety-panic" in summary.lines()
    html = site.test_client().get("/").get_data(as_text=True)
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert [re.sub(r"\s+", " ", a) for a in re.findall(r'href="([^"]+)"', nav)][:6] == [
        "/", "/about", "/fees", "/category/anxiety-panic", "/blog/breathing-through-panic",
        "https://directory.example/therapists/jane",
    ]  # fmt: skip


def test_the_largest_menu_is_taken_and_the_other_reported(site):
    summary = import_wordpress(MENUS, UPLOADS)
    skipped = dict(summary.skipped)
    assert skipped["menu item 40 'About me'"] == "in the WordPress menu 'Footer', not the one taken"
    assert skipped["menu item 41"] == "in the WordPress menu 'Footer', not the one taken"
    assert skipped["menu item 42 'Online sessions'"] == (
        "a menu entry not saved in WordPress (status 'draft')"
    )
    assert any("2 menus" in n and "the largest, 'Main menu'" in n for n in summary.notes)


def test_of_menus_as_large_a_header_menu_is_taken(site):
    items = [
        Item(n, "nav_menu_item", "publish", f"Item {n}", str(n), "", "", "", "", None, None,
             0, "", categories=[("nav_menu", slug, name)], menu_order=n)
        for n, (slug, name) in enumerate([("links", "Links")] * 2 + [("primary", "Primary")] * 2)
    ]  # fmt: skip
    export = Export("http://old.example", {}, [], [], items, {"links": "Links", "primary": "P"})
    slug, chosen = Menus(export, "wordpress:test", Summary(), datetime(2026, 1, 1)).choose()
    assert slug == "primary" and [i.title for i in chosen] == ["Item 2", "Item 3"]


def test_items_leading_to_what_is_held_back_stay_out_and_are_named(site):
    summary = import_wordpress(MENUS, UPLOADS)
    skipped = dict(summary.skipped)
    assert skipped["menu item 33"] == (
        "leads to the page 'Client intake notes', not public (a draft in WordPress)"
    )
    assert skipped["menu item 34"] == (
        "leads to the page 'Group members', not public (password-protected in WordPress)"
    )
    held = {
        p.id for p in Page.select().where(Page.slug.in_(["client-intake-notes", "group-members"]))
    }
    assert len(held) == 2  # the pages came over, as drafts
    assert not NavItem.select().where(NavItem.page.in_(held)).exists()
    html = site.test_client().get("/").get_data(as_text=True)
    assert "Client intake" not in html and "group-members" not in html


def test_submenus_are_flattened_in_order_and_said_so(site):
    summary = import_wordpress(MENUS, UPLOADS)
    labels = [label for label, _, _ in menu()]
    assert labels.index("Fees") == labels.index("About") + 1  # under About in WordPress
    (note,) = [n for n in summary.notes if "one level" in n]
    assert "'Fees' (under 'About')" in note and f"{PROFILE!r} (under 'Resources')" in note


def test_what_the_menu_here_cannot_hold_is_dropped_with_the_reason(site):
    summary = import_wordpress(MENUS, UPLOADS)
    skipped = dict(summary.skipped)
    assert skipped["menu item 37 'Resources'"] == (
        "has no address of its own (a heading for a submenu)"
    )
    assert skipped["menu item 39 'Book now'"] == (
        "its address 'javascript:alert(1)' is not a web address or a path"
    )
    assert any("shortened to 60 characters" in n for n in summary.notes)
    assert all(len(label) <= 60 for label, _, _ in menu())


def test_a_menu_longer_than_the_menu_here_holds_keeps_its_first_items(site, tmp_path):
    text = Path(MENUS).read_text()
    one = re.search(r"\t<item>\n\t\t<title><!\[CDATA\[Home\]\]>.*?</item>\n", text, re.S).group()
    extra = "".join(
        one.replace("<wp:post_id>30<", f"<wp:post_id>{n}<")
        .replace("[Home]", f"[Link {n}]")
        .replace(f"[{'http://calm-practice.example/'}]", f"[https://example.org/{n}]")
        .replace("<wp:menu_order>1<", f"<wp:menu_order>{n}<")
        for n in range(50, 60)
    )
    longer = tmp_path / "longer.xml"
    longer.write_text(text.replace("</channel>", extra + "</channel>"))
    summary = import_wordpress(str(longer), UPLOADS)
    assert len(menu()) == 12
    assert menu()[-1] == ("Link 55", "url", "https://example.org/55")
    skipped = dict(summary.skipped)
    assert skipped["menu item 'Link 56'"] == "the menu here holds up to 12 items"
    assert "menu item 'Link 59'" in skipped


def test_a_dry_run_tells_the_menu_and_writes_nothing(site):
    summary = import_wordpress(MENUS, UPLOADS, dry_run=True)
    assert menu() == STARTING and not Page.select().exists()
    lines = summary.lines()
    assert lines[0] == "Dry run: nothing was changed. An import would do this."
    at = lines.index("Header menu, from the WordPress menu 'Main menu':")
    assert lines[at + 1 : at + 4] == [
        "  1. Home -> /",
        "  2. About -> /about",
        "  3. Fees -> /fees",
    ]


def test_a_second_import_adds_no_item_twice(site):
    import_wordpress(MENUS, UPLOADS)
    summary = import_wordpress(MENUS, UPLOADS)
    assert menu() == IMPORTED
    assert summary.imported["menu items"] == 0
    assert summary.menu == ["Header menu: already the WordPress menu 'Main menu'; left as it is."]


def test_a_menu_arranged_here_is_not_replaced_unless_asked(site):
    save_menu([{"label": "Write to me", "target": "contact"}], actor=SYSTEM)
    summary = import_wordpress(MENUS, UPLOADS)
    assert menu() == [("Write to me", "contact", "")]
    assert summary.menu[0].startswith("Header menu: left as it is, because it was changed")
    assert "--replace-menu" in summary.menu[0] and "  1. Home -> /" in summary.menu
    assert summary.imported["menu items"] == 0
    done = site.test_cli_runner().invoke(
        args=["cms", "import-wordpress", MENUS, "--uploads", UPLOADS, "--replace-menu"]
    )
    assert done.exit_code == 0, done.output
    assert menu() == IMPORTED and "Header menu, from the WordPress menu 'Main menu':" in done.output


def test_the_menu_of_a_real_wordpress_export(site):
    summary = import_wordpress(str(DATA / "therapist.xml"), UPLOADS)
    assert menu() == [
        ("About", "page:about", ""),
        ("Anxiety & Panic", "url", "/category/anxiety-panic"),
    ]
    assert not any(what.startswith("nav_menu_item") for what, _ in summary.skipped)


def test_a_menu_entry_of_no_menu_is_reported(site):
    summary = import_wordpress(str(DATA / "practice.xml"))
    assert dict(summary.skipped)["menu item 401 'Home'"] == "a menu entry of no menu"
    assert menu() == STARTING


def test_the_open_graph_image_becomes_the_social_image(site):
    import_wordpress(MENUS, UPLOADS)
    post = Post.get(Post.slug == "breathing-through-panic")
    assert post.social_image is not None
    assert post.social_image.filename == "calm-lake.jpg"
    assert post.featured_image is None  # the export gives the post no featured image
    assert post.social_image.alt == "A calm lake at dawn"  # the attachment's description
    assert post.seo_title == "Breathing through panic | Calm Practice"
    assert post.meta_description == "Three breathing exercises for a panic attack."


def test_without_the_image_file_there_is_no_social_image(site):
    summary = import_wordpress(MENUS)  # no uploads folder
    assert Post.get(Post.slug == "breathing-through-panic").social_image is None
    assert any("calm-lake.jpg removed (no --uploads folder given)" in n for n in summary.notes)
