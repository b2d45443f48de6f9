<?php
// Install a fresh WordPress into the database named in wp-config.php, with WordPress's own
// installer (wp-admin/install.php does the same through the browser).
// Usage: php wp_install.php WORDPRESS_DIR SITE_TITLE
define('WP_INSTALLING', true);
require $argv[1] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$result = wp_install($argv[2], 'jane', 'jane@example.org', true, '', 'correct horse battery');
echo "installed WordPress {$GLOBALS['wp_version']} for user {$result['user_id']}\n";
