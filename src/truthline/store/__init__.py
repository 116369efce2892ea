"""Store layer: SQL schema and migrations, repositories, and the content-addressed blob store."""
