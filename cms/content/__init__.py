"""Posts, pages and categories: models, the content service that owns their writes, Markdown
rendering, sanitizing, revisions."""
