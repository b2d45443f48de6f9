"""Import from WordPress: the WXR reader and the content converter."""
