"""The old site's addresses and their new ones: every way WordPress answered for a post,
page, category, tag, date, author, feed, attachment or uploaded image."""

import re
from urllib.parse import urlsplit

from ...content.slugs import make_slug
from ...media.models import media_url
from .images import Images
from .wxr import Export, Item, old_address, sized_copies

BLOG, ARCHIVE, FEED = "/blog/", "/archive", "/feed.xml"


def _copy(media, name: str, widths: list[int]) -> str:
    """The resized copy here closest to WordPress's photo-300x200.jpg (no smaller than it
    was), or the image itself."""
    found = re.search(r"-(\d+)x\d+\.\w+$", name)
    wide = [w for w in widths if found and w >= int(found.group(1))]
    return f"/media/{media.id}/w/{wide[0]}" if wide else media_url(media)


class OldAddresses:
    """Pairs (old path, new path) for one export; the importer makes them redirects."""

    def __init__(self, export: Export):
        self.export = export
        self.base = export.base_url
        self.prefix = urlsplit(export.base_url).path.rstrip("/")
        self.new: dict[str, str] = {}  # old address -> new path, for links in the text

    def plan_entry(self, item: Item, new: str) -> None:
        """Remember where a post or page that will be public moves (links are rewritten)."""
        for old in self.entry(item):
            self.new.setdefault(old, new)

    def link(self, href: str) -> str:
        """The new address of a link to the old site (the old path if we know no better)."""
        if not href.startswith((self.base + "/", self.prefix + "/")) and href != self.base:
            return href
        address, _, fragment = href.partition("#")
        old = old_address(address.removeprefix(self.base) or "/")
        new = self.new.get(old)
        if new is None:
            return href.removeprefix(self.base) or "/"  # an old address; it redirects
        return new + (f"#{fragment}" if fragment else "")

    def entry(self, item: Item) -> list[str]:
        """Every old address of a post or page: its permalink (whatever the structure),
        /slug, /year/month/slug for posts, and ?p= or ?page_id=."""
        slug = item.slug or make_slug(item.title)
        paths = [old_address(item.link), f"{self.prefix}/{slug}"]
        if item.type == "post" and item.date_local:
            day = item.date_local
            paths += [f"{self.prefix}/{day:%Y/%m}/{slug}", f"{self.prefix}/{day:%Y/%m/%d}/{slug}"]
        paths.append(f"{self.prefix}/?{'p' if item.type == 'post' else 'page_id'}={item.wp_id}")
        return [p for p in dict.fromkeys(paths) if p not in ("", "/", f"{self.prefix}/")]

    def category(self, term: dict, chain: list[str], new: str) -> list[tuple[str, str]]:
        """A category's archive (nested /category/parent/child too), ?cat= and its feeds."""
        base = f"{self.prefix}/category"
        olds = [f"{base}/{'/'.join(chain)}", f"{base}/{term['slug']}"]
        pairs = [(old, new) for old in dict.fromkeys(olds)]
        pairs += [(f"{old}/feed", f"{new}/feed.xml") for old in dict.fromkeys(olds)]
        if term.get("term_id"):
            pairs.append((f"{self.prefix}/?cat={term['term_id']}", new))
        return pairs

    def tag(self, wp_slug: str, new: str) -> list[tuple[str, str]]:
        """A tag's archive and its feed."""
        old = f"{self.prefix}/tag/{wp_slug}"
        return [(old, new), (f"{old}/feed", f"{new}/feed.xml")]

    def site(self, published: list[Item]) -> list[tuple[str, str]]:
        """The feeds, date archives of published posts, and author archives."""
        at = self.prefix
        feeds = ("feed", "feed/rss2", "feed/atom", "?feed=rss2")
        pairs = [(f"{at}/{feed}", FEED) for feed in feeds]
        for item in published:
            if item.type == "post" and item.date_local:
                day = item.date_local
                pairs += [(f"{at}/{day:{shape}}", ARCHIVE) for shape in ("%Y", "%Y/%m", "%Y/%m/%d")]
        pairs += [(f"{at}/author/{make_slug(login)}", BLOG) for login in self.export.authors]
        return list(dict.fromkeys(pairs))

    def attachments(self, images: Images) -> list[tuple[str, str]]:
        """Attachment pages and /wp-content/uploads/ files (original and every sized copy)
        to the imported image; images that were not imported have no new address."""
        pairs = []
        for item in images.attachments.values():
            relative = images.upload_path(item.attachment_url)
            media = images.imported(relative) if relative else None
            if media is None:
                continue
            new, uploads = media_url(media), f"{self.prefix}/wp-content/uploads"
            folder = relative.rpartition("/")[0]
            pairs.append((f"{uploads}/{relative}", new))
            widths = sorted(v.width for v in media.variants)
            for name in sized_copies(item):
                pairs.append(
                    (f"{uploads}/{folder}/{name}".replace("//", "/"), _copy(media, name, widths))
                )
            pairs.append((old_address(item.link), new))
            pairs.append((f"{self.prefix}/?attachment_id={item.wp_id}", new))
        return pairs
