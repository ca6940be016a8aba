"""通知, 公示 and 催缴 over GraphQL."""
