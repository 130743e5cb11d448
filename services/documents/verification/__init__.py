"""POST /api/v1/verify: what a file is, judged from its bytes, its seal and our records (docs/signed-pdf.md)."""
