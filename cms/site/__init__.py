"""Site settings, notices and the menu: their models and the service that edits them."""
