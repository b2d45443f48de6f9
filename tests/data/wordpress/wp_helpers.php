<?php
// Shared by the build_*.php scripts: load WordPress as its admin, make images, export.

function wp_fixture_load(string $dir): void
{
    require $dir . '/wp-load.php';
    require_once ABSPATH . 'wp-admin/includes/image.php';
    require_once ABSPATH . 'wp-admin/includes/export.php';
    require_once ABSPATH . 'wp-admin/includes/nav-menu.php';
    wp_set_current_user(1);  // the admin writes, as she would in the editor
    wp_delete_post(1, true);  // WordPress's "Hello world!" and "Sample Page"
    wp_delete_post(2, true);
}

function wp_fixture_permalinks(string $structure): void
{
    global $wp_rewrite;
    $wp_rewrite->set_permalink_structure($structure);
    $wp_rewrite->set_category_base('');
    $wp_rewrite->set_tag_base('');
    $wp_rewrite->flush_rules(false);
    $wp_rewrite->init();
}

// An image in this month's uploads, attached to $parent, with WordPress's sized copies.
function wp_fixture_image(string $name, int $w, int $h, array $rgb, string $alt, int $parent,
                          string $date): int
{
    $uploads = wp_upload_dir(substr($date, 0, 7) === '' ? null : str_replace('-', '/', substr($date, 0, 7)));
    wp_mkdir_p($uploads['path']);
    $file = $uploads['path'] . '/' . $name;
    $image = imagecreatetruecolor($w, $h);
    imagefill($image, 0, 0, imagecolorallocate($image, $rgb[0], $rgb[1], $rgb[2]));
    imagejpeg($image, $file, 80);
    $id = wp_insert_attachment([
        'post_mime_type' => 'image/jpeg',
        'post_title' => preg_replace('/\.[^.]+$/', '', $name),
        'post_content' => '',
        'post_status' => 'inherit',
        'post_date' => $date,
        'guid' => $uploads['url'] . '/' . $name,
    ], $file, $parent);
    wp_update_attachment_metadata($id, wp_generate_attachment_metadata($id, $file));
    update_post_meta($id, '_wp_attachment_image_alt', $alt);
    return $id;
}

function wp_fixture_post(array $fields, array $meta = []): int
{
    $id = wp_insert_post($fields + ['post_type' => 'post', 'post_author' => 1], true);
    if (is_wp_error($id)) {
        fwrite(STDERR, $id->get_error_message() . "\n");
        exit(1);
    }
    foreach ($meta as $key => $value) {
        update_post_meta($id, $key, $value);
    }
    return $id;
}

function wp_fixture_term(string $name, string $taxonomy, int $parent = 0): int
{
    $term = wp_insert_term($name, $taxonomy, ['parent' => $parent]);
    return is_wp_error($term) ? 0 : $term['term_id'];
}

function wp_fixture_export(string $out): void
{
    ob_start();
    export_wp(['content' => 'all']);
    file_put_contents($out, ob_get_clean());
    echo "wrote $out with WordPress {$GLOBALS['wp_version']}\n";
}
