<?php
// A therapist's blog with date permalinks (/%year%/%monthnum%/%postname%/), built through
// WordPress's own API and written with export_wp() to therapist.xml.
// Usage: php build_therapist.php WORDPRESS_DIR OUT.xml
require __DIR__ . '/wp_helpers.php';
wp_fixture_load($argv[1]);
wp_fixture_permalinks('/%year%/%monthnum%/%postname%/');
update_option('blogname', 'Calm Practice');

// Categories (nested) and tags, with "&" in names as therapists write them.
$therapy = wp_fixture_term('Psychotherapy', 'category');
$anxiety = wp_fixture_term('Anxiety & Panic', 'category', $therapy);
$faq = wp_fixture_term('FAQ', 'category');
$resources = wp_fixture_term('Resources', 'category');
wp_fixture_term('Panic & worry', 'post_tag');
wp_fixture_term('Sleep', 'post_tag');

// A reusable block, used by two posts.
$disclaimer = wp_fixture_post([
    'post_type' => 'wp_block', 'post_status' => 'publish', 'post_title' => 'Not advice',
    'post_content' => "<!-- wp:paragraph -->\n<p><em>This post is not a substitute for professional advice.</em></p>\n<!-- /wp:paragraph -->",
]);

$breathing = wp_fixture_post([
    'post_title' => 'Breathing through panic & worry', 'post_name' => 'breathing-through-panic',
    'post_status' => 'publish', 'post_date' => '2024-05-14 09:30:00',
    'post_excerpt' => 'Slow breathing &amp; other first aid for panic.',
    'post_category' => [$anxiety], 'tags_input' => ['Panic & worry', 'Sleep'],
    'post_content' => '',
], [
    '_yoast_wpseo_title' => 'Breathing through panic | Calm Practice',
    '_yoast_wpseo_metadesc' => 'Three breathing exercises for a panic attack.',
]);
$lake = wp_fixture_image('calm-lake.jpg', 1200, 800, [90, 140, 170], 'A calm lake at dawn', $breathing, '2024-05-14 09:00:00');
$path = wp_fixture_image('forest-path.jpg', 1000, 750, [60, 110, 70], 'A path through a forest', $breathing, '2024-05-14 09:05:00');
$lake_src = wp_get_attachment_image_url($lake, 'medium');
$lake_full = wp_get_attachment_image_url($lake, 'full');
$path_src = wp_get_attachment_image_url($path, 'medium');
set_post_thumbnail($breathing, $lake);
$note = '7c1f2a3e-0b4d-4e5f-8a6b-1c2d3e4f5a6b';
wp_update_post(['ID' => $breathing, 'post_content' => <<<HTML
<!-- wp:paragraph -->
<p>Panic feels like danger, but it is not dangerous.<sup data-fn="$note" class="fn"><a href="#$note" id="$note-link">1</a></sup> Here is what helps.</p>
<!-- /wp:paragraph -->

<!-- wp:heading -->
<h2>Slow breathing</h2>
<!-- /wp:heading -->

<!-- wp:list -->
<ul><li>Breathe in for four counts</li><li>Breathe out for six counts</li></ul>
<!-- /wp:list -->

<!-- wp:image {"id":$lake,"sizeSlug":"medium","linkDestination":"media"} -->
<figure class="wp-block-image size-medium"><a href="$lake_full"><img src="$lake_src" alt="A calm lake at dawn" class="wp-image-$lake"/></a><figcaption class="wp-element-caption">The lake near my office</figcaption></figure>
<!-- /wp:image -->

<!-- wp:quote -->
<blockquote class="wp-block-quote"><!-- wp:paragraph -->
<p>You can't stop the waves, but you can learn to surf.</p>
<!-- /wp:paragraph --><cite>Jon Kabat-Zinn</cite></blockquote>
<!-- /wp:quote -->

<!-- wp:gallery {"linkTo":"none"} -->
<figure class="wp-block-gallery has-nested-images columns-default is-cropped"><!-- wp:image {"id":$lake,"sizeSlug":"medium"} -->
<figure class="wp-block-image size-medium"><img src="$lake_src" alt="A calm lake at dawn" class="wp-image-$lake"/></figure>
<!-- /wp:image -->

<!-- wp:image {"id":$path,"sizeSlug":"medium"} -->
<figure class="wp-block-image size-medium"><img src="$path_src" alt="A path through a forest" class="wp-image-$path"/></figure>
<!-- /wp:image --></figure>
<!-- /wp:gallery -->

<!-- wp:embed {"url":"https://www.youtube.com/watch?v=dQw4w9WgXcQ","type":"video","providerNameSlug":"youtube","responsive":true} -->
<figure class="wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=dQw4w9WgXcQ
</div><figcaption class="wp-element-caption">A guided breathing exercise</figcaption></figure>
<!-- /wp:embed -->

<!-- wp:block {"ref":$disclaimer} /-->

<!-- wp:footnotes /-->
HTML]);
update_post_meta($breathing, 'footnotes', wp_slash(json_encode([
    ['id' => $note, 'content' => 'Panic attacks peak within about ten minutes.'],
])));

$first = wp_fixture_post([
    'post_title' => 'Your first session', 'post_status' => 'publish',
    'post_date' => '2023-11-02 16:00:00', 'post_category' => [$faq, $therapy],
    'post_content' => "What happens in a first session? We talk about what brings you here.\n\nRead <a href=\"" . get_permalink($breathing) . "\">Breathing through panic</a> first if you feel anxious.\n\n[caption id=\"attachment_$path\" align=\"alignnone\" width=\"300\"]<img src=\"$path_src\" alt=\"A path through a forest\" width=\"300\" height=\"225\" class=\"size-medium wp-image-$path\" /> The path to my office[/caption]\n\n[gallery ids=\"$lake,$path\"]\n\n[embed]https://www.youtube.com/watch?v=aqz-KE-bpKQ[/embed]\n\n[booking_widget calendar=\"main\"]\n\n<!-- wp:block {\"ref\":$disclaimer} /-->",
], [
    'rank_math_title' => 'Your first session with a therapist',
    'rank_math_description' => 'What to expect when we first meet.',
]);

// Posts that must never become public.
wp_fixture_post(['post_title' => 'Handout for my clients', 'post_name' => 'client-handout',
    'post_status' => 'publish', 'post_password' => 'clients-only', 'post_date' => '2024-02-01 10:00:00',
    'post_category' => [$resources], 'post_content' => "<!-- wp:paragraph -->\n<p>Confidential worksheet text.</p>\n<!-- /wp:paragraph -->"]);
$private = wp_fixture_post(['post_title' => 'Private notes on burnout', 'post_status' => 'private',
    'post_date' => '2024-03-01 10:00:00', 'post_category' => [$therapy],
    'post_content' => "<!-- wp:paragraph -->\n<p>Private burnout notes.</p>\n<!-- /wp:paragraph -->"]);
wp_fixture_image('private-chart.jpg', 400, 300, [200, 80, 80], 'A chart only for me', $private, '2024-03-01 10:00:00');
wp_fixture_post(['post_title' => 'Draft about grief', 'post_status' => 'draft',
    'post_content' => "<!-- wp:paragraph -->\n<p>Unfinished grief text.</p>\n<!-- /wp:paragraph -->"]);
wp_fixture_post(['post_title' => 'Pending review on couples', 'post_status' => 'pending',
    'post_content' => "<!-- wp:paragraph -->\n<p>Couples text awaiting review.</p>\n<!-- /wp:paragraph -->"]);
wp_fixture_post(['post_title' => 'Winter blues', 'post_name' => 'winter-blues', 'post_status' => 'future',
    'post_date' => '2030-01-10 08:00:00', 'post_category' => [$therapy],
    'post_content' => "<!-- wp:paragraph -->\n<p>Scheduled winter text.</p>\n<!-- /wp:paragraph -->"]);

// Pages, one with a parent.
$about = wp_fixture_post(['post_type' => 'page', 'post_title' => 'About', 'post_status' => 'publish',
    'post_date' => '2023-01-05 12:00:00',
    'post_content' => "<!-- wp:paragraph -->\n<p>I am a registered psychotherapist in private practice.</p>\n<!-- /wp:paragraph -->"],
    ['_yoast_wpseo_title' => 'About Dr Jane', '_yoast_wpseo_metadesc' => 'Who I am and how I work.']);
$fees = wp_fixture_post(['post_type' => 'page', 'post_title' => 'Fees & insurance', 'post_name' => 'fees',
    'post_parent' => $about, 'post_status' => 'publish', 'post_date' => '2023-01-06 12:00:00',
    'post_content' => "<!-- wp:paragraph -->\n<p>A session costs 120 dollars.</p>\n<!-- /wp:paragraph -->"]);

// The main menu.
$menu = wp_create_nav_menu('Main menu');
wp_update_nav_menu_item($menu, 0, ['menu-item-object-id' => $about, 'menu-item-object' => 'page',
    'menu-item-type' => 'post_type', 'menu-item-status' => 'publish', 'menu-item-title' => 'About']);
wp_update_nav_menu_item($menu, 0, ['menu-item-object-id' => $anxiety, 'menu-item-object' => 'category',
    'menu-item-type' => 'taxonomy', 'menu-item-status' => 'publish']);

wp_fixture_export($argv[2]);
