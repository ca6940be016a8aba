"""抄表 over GraphQL (issue 16 §4)."""
