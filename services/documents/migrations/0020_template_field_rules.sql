-- Template fields take the field rules documents' fields got in 0015 (docs/signing.md): `validation`
-- as JSON (a pattern string, as before, or an object of rules) and a formula field's expression.
-- No signer_id: a template's fields belong to roles (assigned_to = the role's sort_order).
ALTER TABLE documents.template_fields
    ADD COLUMN IF NOT EXISTS formula text CHECK (char_length(formula) <= 1000),
    ALTER COLUMN validation TYPE jsonb USING to_jsonb(validation);
