"""强社惠民公司 community companies over GraphQL."""
