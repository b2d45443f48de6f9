"""WordPress's "plain" permalinks (/?p=123, ?page_id=, ?cat=, ?attachment_id=, ?feed=rss2):
never answered from the cache, so the redirects an import made for them keep working. No
imports: the cache reads it."""

QUERY_KEYS = ("p", "page_id", "cat", "attachment_id", "feed")
