from pathlib import Path
from cms.accounts.actors import SYSTEM
from cms.accounts.users import create_user
from cms.content.models import Category, Page, Post
from cms.content.records import Redirect
from cms.core.db import db
from cms.ops.wordpress.importer import import_wordpress

DATA = Path(__file__).parent / "data" / "wordpress"

def test_show(empty_app):
    with empty_app.app_context():
        db.connect(reuse_if_open=True)
        create_user("jane@example.org", "correct horse battery", "admin", "Dr Jane", actor=SYSTEM)
        s = import_wordpress(str(DATA / "therapist.xml"), str(DATA / "therapist-uploads"))
        print("\n".join(s.lines()))
        for p in list(Post.select()) + list(Page.select()):
            print("=====", p.title, p.slug, p.status, p.published_at)
            print(p.body)
        for c in Category.select(): print("CAT", c.name, c.slug)
        for r in Redirect.select(): print("R", r.old_path, r.new_path)
