"""The image library: uploads decoded in a child process, stored variants, the media service."""
