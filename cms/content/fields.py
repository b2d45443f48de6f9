"""Content field limits: the one home the services, the editor's forms (maxlength), the
templates and the OpenAPI document read."""

MAX_TITLE = 200
MAX_SLUG = 120
MAX_BODY = 200_000
MAX_META = 300
MAX_EXCERPT = 1000
MAX_DESCRIPTION = 1000
MAX_CATEGORY_NAME = 80
MAX_NOTE = 200
MAX_PATH = 2000
MAX_CATEGORIES = 20  # per entry: each is a row, a link on the page and a feed's entry
MAX_CATEGORY_DEPTH = 4  # levels of nested categories, the top one counted
MAX_TAG_NAME = 60
MAX_TAGS = 30  # per post, like MAX_CATEGORIES
MAX_SEO_TITLE = 120  # <title> and og:title; search engines show about 60 characters
RESERVED_PAGE_SLUGS = frozenset(
    {"admin", "api", "blog", "category", "archive", "search", "feed.xml", "sitemap.xml",
     "robots.txt", "static", "media", "contact", "healthz", "theme.css", "favicon.ico",
     "login", "logout", "setup", "preview"}
)  # fmt: skip
SLUG_TAKEN = "This slug is already used; choose another."
