"""Operating the site: the `cms` commands, first start, backups, portable export and import, demo
content."""
