"""Contact messages: the public form's service, the inbox and the mailer."""
