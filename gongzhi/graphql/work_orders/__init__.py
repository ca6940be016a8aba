"""报事报修 work orders over GraphQL."""
