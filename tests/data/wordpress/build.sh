#!/bin/sh
# Rebuild the WordPress-written fixtures: a throwaway MariaDB on a private socket, a copy of
# Debian's WordPress, one fresh database per fixture, then export_wp().
# Needs (only here, not for the tests): apt-get install wordpress php-cli php-mysql php-gd
# mariadb-server. Usage: sh tests/data/wordpress/build.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/wp-fixtures.XXXXXX)
SOCK="$WORK/mysql.sock"
mkdir "$WORK/db"
mariadb-install-db --no-defaults --auth-root-authentication-method=normal \
    --datadir="$WORK/db" --user="$(id -un)" >/dev/null
mariadbd --no-defaults --datadir="$WORK/db" --socket="$SOCK" --skip-networking \
    --pid-file="$WORK/mysqld.pid" --user="$(id -un)" >"$WORK/mysqld.log" 2>&1 &
DBPID=$!
trap 'kill "$DBPID"; wait "$DBPID" 2>/dev/null || true' EXIT
for _ in $(seq 60); do [ -S "$SOCK" ] && break; sleep 0.5; done
cp -rL /usr/share/wordpress "$WORK/wordpress"

build() {  # name site-url
    mariadb --no-defaults --socket="$SOCK" -uroot -e "DROP DATABASE IF EXISTS wp; CREATE DATABASE wp"
    rm -rf "$WORK/wordpress/wp-content/uploads"
    cat >"$WORK/wordpress/wp-config.php" <<PHP
<?php
define('DB_NAME', 'wp'); define('DB_USER', 'root'); define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:$SOCK'); define('DB_CHARSET', 'utf8mb4'); define('DB_COLLATE', '');
define('WP_HOME', '$2'); define('WP_SITEURL', '$2');
define('AUTH_KEY', 'fixture'); define('SECURE_AUTH_KEY', 'fixture'); define('LOGGED_IN_KEY', 'fixture');
define('NONCE_KEY', 'fixture'); define('AUTH_SALT', 'fixture'); define('SECURE_AUTH_SALT', 'fixture');
define('LOGGED_IN_SALT', 'fixture'); define('NONCE_SALT', 'fixture');
\$table_prefix = 'wp_';
define('WP_DEBUG', false);
if (!defined('ABSPATH')) define('ABSPATH', '$WORK/wordpress/');
\$_SERVER['HTTP_HOST'] = parse_url('$2', PHP_URL_HOST);
require_once ABSPATH . 'wp-settings.php';
PHP
    php -d sendmail_path=/bin/true "$HERE/wp_install.php" "$WORK/wordpress" "$1"
    php "$HERE/build_$1.php" "$WORK/wordpress" "$HERE/$1.xml"
    rm -rf "$HERE/$1-uploads"
    cp -r "$WORK/wordpress/wp-content/uploads" "$HERE/$1-uploads"
}

build therapist http://calm-practice.example
build plain http://old.example/practice
