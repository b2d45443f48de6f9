"""What WordPress wrote, as it reads here: entities decoded once, block markup and shortcodes
converted (unknown ones named), reusable blocks expanded, footnotes, quotes, galleries,
embeds as plain links, images sized like the editor's, links to the new addresses, SEO."""

import hashlib

from cms.content.models import Category, Page, Post, Tag
from cms.core.db import db
from tests.test_wordpress_fixtures import DATA, imported, site  # noqa: F401 (the fixture)


def test_names_and_titles_are_decoded_once(site):  # noqa: F811
    imported("therapist")
    imported("plain")
    assert Category.get(Category.slug == "anxiety-panic").name == "Anxiety & Panic"
    assert Category.get(Category.slug == "sleep-rest").name == "Sleep & rest"
    assert Tag.get(Tag.slug == "panic-worry").name == "Panic & worry"
    assert Post.get(Post.slug == "sleep-guide").title == "Sleep & rest: a beginner\u2019s guide"
    assert Post.get(Post.slug == "breathing-through-panic").excerpt == (
        "Slow breathing & other first aid for panic."
    )
    page = site.test_client().get("/category/anxiety-panic").get_data(as_text=True)
    assert "Anxiety &amp; Panic" in page and "&amp;amp;" not in page


def test_nested_categories_and_tags_keep_their_shape(site):  # noqa: F811
    imported("therapist")
    anxiety = Category.get(Category.slug == "anxiety-panic")
    assert anxiety.parent.slug == "psychotherapy"
    post = Post.get(Post.slug == "breathing-through-panic")
    assert [c.slug for c in post.category_list] == ["anxiety-panic"]
    assert {t.name for t in post.tag_list} == {"Panic & worry", "Sleep"}
    assert not Category.select().where(Category.slug.in_(["panic-worry", "sleep"])).exists()
    parent = site.test_client().get("/category/psychotherapy").get_data(as_text=True)
    assert "/blog/breathing-through-panic" in parent  # a parent lists its children's posts


def test_block_editor_markup_is_converted(site):  # noqa: F811
    imported("therapist")
    post = Post.get(Post.slug == "breathing-through-panic")
    assert "<!--" not in post.body and "wp:" not in post.body
    assert "dangerous.[^1]" in post.body
    assert post.body.rstrip().endswith("[^1]: Panic attacks peak within about ten minutes.")
    assert "> \u2014 Jon Kabat-Zinn" in post.body  # the quote's cite
    assert "![A path through a forest](" in post.body  # the gallery's alt text
    assert "*This post is not a substitute for professional advice.*" in post.body  # wp_block
    html = post.body_html
    assert 'class="footnote' in html and "Panic attacks peak" in html
    assert "<figure" in html and "<figcaption>The lake near my office</figcaption>" in html
    assert "Watch on YouTube" in html
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html
    assert "<iframe" not in html
    for img in html.split("<img")[1:]:  # like an image written in the editor
        assert " srcset=" in img and " width=" in img and " height=" in img, img[:200]
    assert "calm-practice.example" not in post.body


def test_classic_posts_shortcodes_and_links(site):  # noqa: F811
    summary = imported("therapist")
    post = Post.get(Post.slug == "your-first-session")
    body = post.body
    assert "[caption" not in body and "[gallery" not in body and "[embed" not in body
    assert "booking_widget" not in body
    assert "![A path through a forest](/media/" in body and "\n*The path to my office*" in body
    assert "![A calm lake at dawn](/media/" in body  # [gallery ids=...] with alt text
    assert "[Breathing through panic](/blog/breathing-through-panic)" in body  # the new address
    assert "*This post is not a substitute for professional advice.*" in body  # wp_block
    assert "Watch on YouTube" in post.body_html
    notes = "\n".join(summary.lines())
    assert "'Your first session': unknown shortcode [booking_widget] removed" in notes
    plain = Post.get(Post.slug == "breathing-through-panic")
    assert plain.body.startswith("Panic feels like danger, but it is not dangerous.")


def test_seo_titles_and_descriptions_from_yoast_and_rank_math(site):  # noqa: F811
    imported("therapist")
    imported("plain")
    breathing = Post.get(Post.slug == "breathing-through-panic")
    assert breathing.seo_title == "Breathing through panic | Calm Practice"
    assert breathing.meta_description == "Three breathing exercises for a panic attack."
    first = Post.get(Post.slug == "your-first-session")  # Rank Math
    assert first.seo_title == "Your first session with a therapist"
    assert first.meta_description == "What to expect when we first meet."
    about = Page.get(Page.slug == "about")
    assert about.seo_title == "About Dr Jane"
    assert about.meta_description == "Who I am and how I work."
    sleep = Post.get(Post.slug == "sleep-guide")
    assert sleep.seo_title == "" and sleep.meta_description == "Simple habits for better sleep."
    shown = site.test_client().get("/blog/breathing-through-panic").get_data(as_text=True)
    assert "<title>Breathing through panic | Calm Practice" in shown


def _checksum() -> str:
    return hashlib.sha256("\n".join(db.connection().iterdump()).encode()).hexdigest()


def test_dry_run_reports_the_import_and_changes_nothing(site):  # noqa: F811
    runner = site.test_cli_runner()
    export, uploads = str(DATA / "therapist.xml"), str(DATA / "therapist-uploads")
    before = _checksum()
    dry = runner.invoke(args=["cms", "import-wordpress", export, "--uploads", uploads, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert _checksum() == before  # not a row added, changed or removed
    assert not Post.select().exists()
    real = runner.invoke(args=["cms", "import-wordpress", export, "--uploads", uploads])
    assert real.exit_code == 0, real.output
    assert _checksum() != before
    dry_lines, real_lines = dry.stdout.splitlines(), real.stdout.splitlines()
    assert dry_lines[0] == "Dry run: nothing was changed. An import would do this."
    assert dry_lines[1].replace("Would import", "Imported") == real_lines[0]
    assert dry_lines[2:] == real_lines[1:]  # what would be imported, dropped and redirected
    assert "7 posts" in real_lines[0] and "3 pages" in real_lines[0]
    moved = "Redirect: /2024/05/breathing-through-panic -> /blog/breathing-through-panic"
    assert moved in real_lines
    assert "Header menu, from the WordPress menu 'Main menu':" in real_lines
    assert "  2. Anxiety & Panic -> /category/anxiety-panic" in real_lines
    assert "Importing" in real.stderr  # the progress bar


def test_trailing_slash_redirects_only_to_this_site(site):  # noqa: F811
    imported("therapist")
    client = site.test_client()
    for vector in ("//evil.example/", "///evil.example/", "/\\evil.example/", "/%2F/evil.example/",
                   "/%5Cevil.example/", "/%09/evil.example/", "/\\/evil.example/",
                   "//evil.example/about/"):  # fmt: skip
        response = client.get(vector)
        location = response.headers.get("Location", "")
        assert not location.startswith(("//", "/\\", "http")), (vector, location)
        assert response.status_code != 301 or location in ("/about",), (vector, location)
    assert client.get("/about/").headers["Location"] == "/about"
