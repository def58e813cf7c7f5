"""Text handling, with no database and no web framework: Markdown to safe HTML (markdown),
the normal form and Serbian stems that search indexes and matches (search_terms), and an
initiative's document as HTML, PDF and DOCX (initiative_formats)."""
