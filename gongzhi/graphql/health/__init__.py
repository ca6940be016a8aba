"""健康指数 over GraphQL."""
