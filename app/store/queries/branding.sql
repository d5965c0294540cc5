-- name: get-branding
SELECT name, accent_color, footer, privacy_url, contact_email, logo, logo_type, logo_hash, updated_at FROM branding WHERE id = 1;

-- name: put-branding
UPDATE branding SET name = ?, accent_color = ?, footer = ?, privacy_url = ?, contact_email = ?, updated_at = ? WHERE id = 1;

-- name: put-branding-logo
UPDATE branding SET logo = ?, logo_type = ?, logo_hash = ?, updated_at = ? WHERE id = 1;
