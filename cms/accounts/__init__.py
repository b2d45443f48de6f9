"""Accounts and sign-in: users, passwords, two-step codes, one-time links, throttling, API tokens,
the editor guard."""
