"""红色物业 red property over GraphQL."""
