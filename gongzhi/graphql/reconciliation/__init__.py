"""对账 reconciliation over GraphQL."""
