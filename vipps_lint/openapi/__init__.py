"""OpenAPI documents: the operations index that routing uses (and, later, request schemas)."""
