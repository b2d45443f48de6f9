"""Schema version 12: the login_failure table goes.

Sign-in throttling counts failed sign-ins in rate_hit, with the other rate limits, since
there is one rate limiter; the rows left here were counted by the earlier throttle and
are no longer read. Counts of failures made before the upgrade start again from zero.
"""


def up(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "login_failure"')
