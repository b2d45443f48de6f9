<?php
// An older classic-editor site in a subfolder (http://old.example/practice) with plain
// permalinks (?p=123, ?page_id=), built through WordPress's own API and written with
// export_wp() to plain.xml.
// Usage: php build_plain.php WORDPRESS_DIR OUT.xml
require __DIR__ . '/wp_helpers.php';
wp_fixture_load($argv[1]);
wp_fixture_permalinks('');
update_option('blogname', 'Old Practice');

$help = wp_fixture_term('Self-help', 'category');
$sleep = wp_fixture_term('Sleep & rest', 'category', $help);
wp_fixture_term('Insomnia', 'post_tag');

$post = wp_fixture_post([
    'post_title' => 'Sleep &amp; rest: a beginner&#8217;s guide', 'post_name' => 'sleep-guide',
    'post_status' => 'publish', 'post_date' => '2021-09-03 21:15:00',
    'post_category' => [$sleep], 'tags_input' => ['Insomnia'], 'post_content' => '',
], ['_yoast_wpseo_metadesc' => 'Simple habits for better sleep.']);
$bed = wp_fixture_image('quiet-bedroom.jpg', 800, 600, [120, 100, 150], 'A quiet bedroom', $post, '2021-09-03 21:00:00');
$src = wp_get_attachment_image_url($bed, 'medium');
$contact = wp_fixture_post(['post_type' => 'page', 'post_title' => 'Contact', 'post_status' => 'publish',
    'post_date' => '2021-01-01 09:00:00',
    'post_content' => "Write to me at jane@example.org.\n\n[contact-form-7 id=\"5\" title=\"Contact\"]"]);
wp_update_post(['ID' => $post, 'post_content' =>
    "Good sleep starts <strong>before</strong> bed.\n\n[caption id=\"attachment_$bed\" align=\"alignright\" width=\"300\"]<a href=\"" . wp_get_attachment_url($bed) . "\"><img class=\"size-medium wp-image-$bed\" src=\"$src\" alt=\"A quiet bedroom\" width=\"300\" height=\"225\" /></a> Keep the bedroom dark[/caption]\n\nQuestions? <a href=\"" . get_permalink($contact) . "\">Get in touch</a>."]);
wp_fixture_post(['post_title' => 'Old unfinished idea', 'post_status' => 'draft',
    'post_content' => 'Never finished.']);

wp_fixture_export($argv[2]);
