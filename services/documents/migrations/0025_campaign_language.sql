-- A campaign's language (docs/languages.md): every document a visitor makes from it gets it as
-- the document's `language`, so the visitor's emails, signing page and signed PDF dates are in it.
-- Null = not set (the visitor's browser decides the page; emails are in English).
ALTER TABLE documents.campaigns ADD COLUMN IF NOT EXISTS language text
    CHECK (language IN ('en', 'de', 'fr', 'es', 'pt'));
