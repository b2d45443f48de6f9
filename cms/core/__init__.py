"""The shared machinery every domain uses: database, clock, the text rule, rate limits, caching,
security headers, templating and HTTP errors."""
